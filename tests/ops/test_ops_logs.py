"""`logs search` and `logs insights` against the stack's log groups in moto."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from click.testing import Result
from moto_stack import MINUTE_MS, Deployed

from ops.logs import follow_events


def messages(result: Result) -> list[str]:
    return [json.loads(line)["message"] for line in result.stdout.splitlines()]


def test_search_merges_every_group_by_time(ops: Callable[..., Result]) -> None:
    result = ops("logs", "search", "--since", "1h", "--json")
    assert result.exit_code == 0, result.output
    assert messages(result) == [
        "GET /health 200",
        "START RequestId: 3333 Version: $LATEST",
        "picked up 3 messages",
        "ERROR database timeout",
        "ERROR report failed",
    ]
    first = json.loads(result.stdout.splitlines()[0])
    assert first["source"] == "web"
    assert first["logGroup"] == "/ecs/webplatform-dev/web"
    assert first["logStream"] == "web/web/1111"
    assert first["timestamp"].endswith("Z")


def test_search_with_a_pattern_a_source_and_a_window(
    deployed: Deployed, ops: Callable[..., Result]
) -> None:
    assert messages(ops("logs", "search", "ERROR", "--json")) == [
        "ERROR database timeout",
        "ERROR report failed",
    ]
    assert messages(ops("logs", "search", "--service", "web", "--since", "4h", "--json")) == [
        "GET /old 200",
        "GET /health 200",
        "ERROR database timeout",
    ]
    # The job runs the worker's task, so it logs to the worker's group.
    assert messages(ops("logs", "search", "--job", "nightly-report", "--json")) == [
        "picked up 3 messages",
        "ERROR report failed",
    ]
    start = deployed.now_ms - 45 * MINUTE_MS
    end = deployed.now_ms - 15 * MINUTE_MS
    window = ["--start", iso_seconds(start), "--end", iso_seconds(end)]
    assert messages(ops("logs", "search", *window, "--json")) == [
        "START RequestId: 3333 Version: $LATEST",
        "picked up 3 messages",
        "ERROR database timeout",
    ]


def iso_seconds(milliseconds: int) -> str:
    return datetime.fromtimestamp(milliseconds / 1000, UTC).isoformat()


def test_search_as_text(ops: Callable[..., Result]) -> None:
    result = ops("logs", "search", "ERROR", "--function", "hello")
    assert result.exit_code == 0
    assert result.stdout == ""
    lines = ops("logs", "search", "timeout").stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].endswith(" web web/web/1111 ERROR database timeout")


def test_search_stops_at_the_limit(ops: Callable[..., Result]) -> None:
    result = ops("logs", "search", "--limit", "2", "--json")
    assert messages(result) == ["GET /health 200", "START RequestId: 3333 Version: $LATEST"]
    assert "stopped at 2 events" in result.stderr


def test_a_log_group_that_does_not_exist_is_skipped(
    tmp_path: Path, deployed: Deployed, ops: Callable[..., Result]
) -> None:
    functions = {
        **deployed.outputs["functions"],
        "cron": {"name": "x", "arn": "x", "logGroup": "/aws/lambda/webplatform-dev-cron"},
    }
    outputs = deployed.outputs_with(tmp_path, functions=functions)
    result = ops("logs", "search", "ERROR", "--json", outputs=outputs)
    assert result.exit_code == 0, result.output
    assert len(messages(result)) == 2
    assert "log group /aws/lambda/webplatform-dev-cron does not exist; skipped" in result.stderr


def test_follow_prints_each_event_once(deployed: Deployed) -> None:
    logs = deployed.client("logs")
    group = "/aws/lambda/webplatform-dev-hello"
    batches = follow_events(logs, {group: "hello"}, "", deployed.now_ms - 60 * MINUTE_MS, 100)
    assert [e.message for e in next(batches)] == ["START RequestId: 3333 Version: $LATEST"]
    assert next(batches) == []
    logs.put_log_events(
        logGroupName=group,
        logStreamName="2026/12/02/[$LATEST]3333",
        logEvents=[{"timestamp": deployed.now_ms, "message": "END RequestId: 3333"}],
    )
    assert [e.message for e in next(batches)] == ["END RequestId: 3333"]
    assert next(batches) == []


def test_unknown_sources_and_bad_windows(
    ops: Callable[..., Result], error_line: Callable[[Result, int], str]
) -> None:
    line = error_line(ops("logs", "search", "--service", "api"), 2)
    assert line.startswith("Error: unknown service 'api': ")
    assert line.endswith("has web, worker")
    assert "unknown job 'weekly': " in error_line(ops("logs", "search", "--job", "weekly"), 2)
    assert "give one of" in error_line(ops("logs", "search", "--service", "web", "--job", "x"), 2)
    assert "like 30m, 1h, 2d" in error_line(ops("logs", "search", "--since", "an hour"), 2)
    assert "not both" in error_line(
        ops("logs", "search", "--since", "1h", "--start", "2026-12-01"), 2
    )
    assert "leave out --end" in error_line(ops("logs", "search", "-f", "--end", "2026-12-01"), 2)


def test_insights_returns_the_rows(ops: Callable[..., Result]) -> None:
    # moto runs the query (no statistics, and it ignores the filter) and answers at once.
    query = "fields @timestamp, @message | sort @timestamp desc"
    result = ops("logs", "insights", query, "--service", "worker", "--json")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert {row["@message"] for row in rows} == {"picked up 3 messages", "ERROR report failed"}
    assert all("@ptr" not in row for row in rows)
    table = ops("logs", "insights", query, "--service", "worker")
    assert "ERROR report failed" in table.stdout
    assert "2 rows" in table.stderr
