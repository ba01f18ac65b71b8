"""`logs search` and `logs insights` over the stack's log groups: every service's, job's and
function's, or one of them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import click
from rich.progress import Progress

from ops import waiting
from ops.console import json_lines, note, progress, table
from ops.context import Stack, stack_command
from ops.errors import AwsError
from ops.options import option_group
from ops.times import iso, milliseconds, window, window_options

DEFAULT_WINDOW = timedelta(hours=1)
DEFAULT_QUERY = (
    "fields @timestamp, @logStream, @message | filter @message like /(?i)(error)/ "
    "| sort @timestamp desc"
)
# Events can reach CloudWatch Logs this long after their timestamp; --follow looks back as far.
INGESTION_LAG_MS = 60_000


@dataclass(frozen=True)
class Event:
    timestamp: int
    source: str
    log_group: str
    log_stream: str
    message: str
    event_id: str

    def text(self) -> str:
        return f"{iso(self.timestamp)} {self.source} {self.log_stream} {self.message.rstrip()}"

    def record(self) -> dict[str, Any]:
        return {
            "timestamp": iso(self.timestamp),
            "source": self.source,
            "logGroup": self.log_group,
            "logStream": self.log_stream,
            "message": self.message.rstrip("\n"),
        }


@click.group()
def logs() -> None:
    """Search, query and fetch the stack's logs."""


# One source instead of all of the stack's.
source_options = option_group(
    click.option("--service", metavar="NAME", help="Only this service's logs."),
    click.option("--job", metavar="NAME", help="Only this job's logs."),
    click.option("--function", metavar="NAME", help="Only this function's logs."),
)


def log_groups(
    stack: Stack, service: str | None, job: str | None, function: str | None
) -> dict[str, str]:
    """Log group name to the short name shown beside each event."""
    chosen = [name for name in (service, job, function) if name]
    if len(chosen) > 1:
        raise click.UsageError("give one of --service, --job, --function")
    if service:
        return {stack.service(service).log_group: service}
    if job:
        return {stack.job(job).log_group: job}
    if function:
        return {stack.function(function).log_group: function}
    groups: dict[str, str] = {}
    for sources in (stack.outputs.services, stack.outputs.jobs, stack.outputs.functions):
        for name, source in sources.items():
            groups.setdefault(source.log_group, name)
    return groups


@logs.command()
@click.argument("pattern", default="")
@source_options
@window_options
@click.option("--follow", "-f", is_flag=True, help="Keep printing new events until Ctrl-C.")
@click.option("--limit", default=1000, show_default=True, help="Most events to print.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per event.")
@stack_command
def search(
    stack: Stack,
    pattern: str,
    service: str | None,
    job: str | None,
    function: str | None,
    since: timedelta | None,
    start: datetime | None,
    end: datetime | None,
    follow: bool,
    limit: int,
    as_json: bool,
) -> None:
    """Search events with a filter pattern, or follow them.

    Events matching the CloudWatch Logs filter PATTERN (every event without one) in the
    stack's log groups, merged oldest first. The window is the last hour unless --since or
    --start/--end say otherwise.
    """
    if follow and end is not None:
        raise click.UsageError("--follow reads until Ctrl-C: leave out --end")
    begin, until = window(since, start, end, DEFAULT_WINDOW)
    groups = log_groups(stack, service, job, function)
    client = stack.aws.client("logs")
    if not follow:
        with progress() as bar:
            events, truncated = find_events(
                client, groups, pattern, milliseconds(begin), milliseconds(until), limit, bar
            )
        show(events, as_json)
        if truncated:
            note(f"stopped at {limit} events: narrow the window or the pattern, or raise --limit")
        return
    try:
        for batch in follow_events(client, groups, pattern, milliseconds(begin), limit):
            show(batch, as_json)
    except KeyboardInterrupt:
        return


def show(events: list[Event], as_json: bool) -> None:
    if as_json:
        json_lines(e.record() for e in events)
    else:
        for event in events:
            click.echo(event.text())


def find_events(
    client: Any,
    groups: dict[str, str],
    pattern: str,
    start_ms: int,
    end_ms: int | None,
    limit: int,
    bar: Progress | None = None,
) -> tuple[list[Event], bool]:
    """The first `limit` events of the window across the groups, merged by timestamp; and
    whether there were more."""
    found: list[Event] = []
    for group, source in groups.items():
        task = bar.add_task(f"{source}: searching", total=None) if bar is not None else None
        # One more than the limit, to know whether there were more.
        events = group_events(client, group, source, pattern, start_ms, end_ms, limit + 1)
        if events is None:
            note(f"log group {group} does not exist; skipped")
            continue
        found.extend(events)
        if bar is not None and task is not None:
            bar.update(task, description=f"{source}: {len(events)} events", completed=1, total=1)
    found.sort(key=lambda e: (e.timestamp, e.log_group, e.log_stream, e.event_id))
    return found[:limit], len(found) > limit


def group_events(
    client: Any,
    group: str,
    source: str,
    pattern: str,
    start_ms: int,
    end_ms: int | None,
    limit: int,
) -> list[Event] | None:
    """Up to `limit` events of one group, page by page; None if the group does not exist."""
    request: dict[str, Any] = {"logGroupName": group, "startTime": start_ms}
    if end_ms is not None:
        request["endTime"] = end_ms
    if pattern:
        request["filterPattern"] = pattern
    events: list[Event] = []
    try:
        for page in client.get_paginator("filter_log_events").paginate(**request):
            events.extend(
                Event(
                    timestamp=e["timestamp"],
                    source=source,
                    log_group=group,
                    log_stream=e.get("logStreamName", ""),
                    message=e.get("message", ""),
                    event_id=e.get("eventId", ""),
                )
                for e in page.get("events", [])
            )
            if len(events) >= limit:
                break
    except client.exceptions.ResourceNotFoundException:
        return None
    return events[:limit]


def follow_events(
    client: Any, groups: dict[str, str], pattern: str, start_ms: int, limit: int
) -> Iterator[list[Event]]:
    """Batches of events not seen before: the window so far, then what arrived since.

    Each poll looks back INGESTION_LAG_MS before the newest event seen, so that late events
    are not missed, and drops what it already printed.
    """
    cursor = start_ms
    seen: dict[str, int] = {}
    while True:
        events, _ = find_events(client, groups, pattern, cursor, None, limit)
        fresh = [e for e in events if e.event_id not in seen]
        seen.update({e.event_id: e.timestamp for e in fresh})
        cursor = max(cursor, max(seen.values(), default=cursor) - INGESTION_LAG_MS)
        seen = {event_id: at for event_id, at in seen.items() if at >= cursor}
        yield fresh
        time.sleep(waiting.POLL_SECONDS)


@logs.command()
@click.argument("query", default=DEFAULT_QUERY)
@source_options
@window_options
@click.option("--limit", default=1000, show_default=True, help="Most rows to return.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per row.")
@stack_command
def insights(
    stack: Stack,
    query: str,
    service: str | None,
    job: str | None,
    function: str | None,
    since: timedelta | None,
    start: datetime | None,
    end: datetime | None,
    limit: int,
    as_json: bool,
) -> None:
    """Run a Logs Insights query and wait for its rows.

    QUERY runs over the stack's log groups [default: the window's errors, newest first].
    """
    begin, until = window(since, start, end, DEFAULT_WINDOW)
    groups = log_groups(stack, service, job, function)
    client = stack.aws.client("logs")
    query_id = client.start_query(
        logGroupNames=list(groups),
        startTime=int(begin.timestamp()),
        endTime=int(until.timestamp()),
        queryString=query,
        limit=limit,
    )["queryId"]
    try:
        result = waiting.poll(
            "Logs Insights query",
            lambda: client.get_query_results(queryId=query_id),
            lambda r: r["status"] not in ("Scheduled", "Running"),
            query_progress,
        )
    except KeyboardInterrupt:
        client.stop_query(queryId=query_id)
        raise
    if result["status"] != "Complete":
        raise AwsError(f"the Logs Insights query ended {result['status']}")
    rows = [
        {f["field"]: f["value"] for f in row if f["field"] != "@ptr"} for row in result["results"]
    ]
    if as_json:
        json_lines(rows)
        return
    columns = list(dict.fromkeys(field for row in rows for field in row))
    table(columns, ([row.get(c, "") for c in columns] for row in rows))
    note(f"{len(rows)} rows")


def query_progress(result: dict[str, Any]) -> str:
    statistics = result.get("statistics", {})
    scanned = int(statistics.get("recordsScanned", 0))
    matched = int(statistics.get("recordsMatched", 0))
    return f"{result['status'].lower()}, {matched} of {scanned} records matched"
