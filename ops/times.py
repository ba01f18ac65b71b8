"""Time windows: `--since 1h`, or `--start`/`--end` as ISO 8601 (UTC unless it says otherwise)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import click

from ops.options import option_group

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
DURATION = re.compile(r"(\d+)([smhdw])")


class Duration(click.ParamType):
    name = "duration"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, timedelta):
            return value
        match = DURATION.fullmatch(str(value).strip())
        if match is None:
            self.fail(f"{value!r}: expected a number and a unit, like 30m, 1h, 2d", param, ctx)
        return timedelta(seconds=int(match[1]) * UNITS[match[2]])


class Moment(click.ParamType):
    name = "time"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, datetime):
            return value
        try:
            moment = datetime.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(f"{value!r}: expected ISO 8601, like 2026-12-01T09:30:00+09:00", param, ctx)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# The command turns them into a window with `window`.
window_options = option_group(
    click.option("--since", type=Duration(), help="From this long ago, like 1h or 2d."),
    click.option("--start", type=Moment(), help="From this time (ISO 8601, UTC)."),
    click.option("--end", type=Moment(), help="Until this time [default: now]."),
)


def window(
    since: timedelta | None, start: datetime | None, end: datetime | None, default: timedelta
) -> tuple[datetime, datetime]:
    if since is not None and start is not None:
        raise click.UsageError("give --since or --start, not both")
    until = end or datetime.now(UTC)
    begin = start or until - (since or default)
    if begin >= until:
        raise click.UsageError(f"the window is empty: {begin.isoformat()} is not before {until}")
    return begin, until


def milliseconds(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def iso(milliseconds_since_epoch: int) -> str:
    moment = datetime.fromtimestamp(milliseconds_since_epoch / 1000, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
