"""Waiting for AWS to finish something (a task, a query, an invalidation), with a progress bar."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from ops.console import progress
from ops.errors import AwsError

T = TypeVar("T")

POLL_SECONDS = 2.0


def poll(
    what: str,
    fetch: Callable[[], T],
    finished: Callable[[T], bool],
    describe: Callable[[T], str],
    timeout_seconds: float | None = None,
) -> T:
    """Call `fetch` until `finished` says so, showing `describe` of the latest value."""
    started = time.monotonic()
    with progress() as bar:
        task = bar.add_task(what, total=None)
        while True:
            value = fetch()
            bar.update(task, description=f"{what}: {describe(value)}")
            if finished(value):
                return value
            if timeout_seconds is not None and time.monotonic() - started > timeout_seconds:
                raise AwsError(
                    f"{what}: still {describe(value)} after {timeout_seconds:.0f} s; giving up"
                )
            time.sleep(POLL_SECONDS)
