"""`logs archive`: Athena over the Glue table, and the objects of the archive bucket, in moto."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from pathlib import Path

from click.testing import Result
from moto_stack import ARCHIVE_KEY, ARCHIVE_RECORD, REGION, Deployed

COLUMNS = ["loggroup", "logstream", "logevents", "datehour"]
ROW = [
    "/ecs/webplatform-dev/web",
    "web/web/0a1b",
    "[{id=1, timestamp=1796094000000, message=ERROR archived}]",
    "2026/12/01/03",
]
WHERE = "any_match(logevents, e -> e.message LIKE '%ERROR%')"


def queue_athena_result(moto_url: str, rows: list[list[str]]) -> None:
    """moto answers the next Athena query with these rows (its own API for query results)."""
    body = {
        "account_id": "123456789012",
        "region": REGION,
        "results": [
            {
                "rows": [{"Data": [{"VarCharValue": v} for v in row]} for row in rows],
                "column_info": [{"Name": c, "Type": "varchar"} for c in COLUMNS],
            }
        ],
    }
    request = urllib.request.Request(
        f"{moto_url}/moto-api/static/athena/query-results",
        data=json.dumps(body).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request) as response:
        assert response.status == 201


def test_query_selects_the_window_by_the_date_partition(
    moto_url: str, deployed: Deployed, ops: Callable[..., Result]
) -> None:
    queue_athena_result(moto_url, [COLUMNS, ROW])
    result = ops(
        "logs",
        "archive",
        "query",
        "--start",
        "2026-12-01T00:00:00Z",
        "--end",
        "2026-12-01T23:59:59Z",
        "--where",
        WHERE,
        "--json",
    )
    assert result.exit_code == 0, result.output
    assert [json.loads(line) for line in result.stdout.splitlines()] == [
        dict(zip(COLUMNS, ROW, strict=True))
    ]
    athena = deployed.client("athena")
    executions = athena.list_query_executions(WorkGroup="webplatform-dev-logs")
    (query,) = [
        athena.get_query_execution(QueryExecutionId=i)["QueryExecution"]["Query"]
        for i in executions["QueryExecutionIds"]
        if "LIKE" in athena.get_query_execution(QueryExecutionId=i)["QueryExecution"]["Query"]
    ]
    assert query == (
        'SELECT * FROM "webplatform_dev_logs"."events" '
        "WHERE \"datehour\" BETWEEN '2026/12/01/00' AND '2026/12/01/23' "
        f"AND ({WHERE}) LIMIT 100"
    )


def test_query_as_a_table(moto_url: str, ops: Callable[..., Result]) -> None:
    queue_athena_result(moto_url, [COLUMNS, ROW])
    result = ops("logs", "archive", "query", "--since", "2d")
    assert result.exit_code == 0, result.output
    assert "ERROR archived" in result.stdout
    assert "1 rows" in result.stderr


def test_list_and_fetch(deployed: Deployed, ops: Callable[..., Result], tmp_path: Path) -> None:
    listed = ops("logs", "archive", "list", "2026/12/", "--json")
    assert [json.loads(line)["key"] for line in listed.stdout.splitlines()] == [ARCHIVE_KEY]
    assert ops("logs", "archive", "list", "2025/").stdout.count(".gz") == 0
    fetched = ops("logs", "archive", "fetch", ARCHIVE_KEY)
    assert fetched.exit_code == 0, fetched.output
    assert json.loads(fetched.stdout) == ARCHIVE_RECORD
    target = tmp_path / "events.json"
    assert ops("logs", "archive", "fetch", ARCHIVE_KEY, "-o", str(target)).exit_code == 0
    assert json.loads(target.read_text()) == ARCHIVE_RECORD


def test_fetch_a_missing_object(
    ops: Callable[..., Result], error_line: Callable[[Result, int], str]
) -> None:
    line = error_line(ops("logs", "archive", "fetch", "2026/12/01/04/none.gz"), 1)
    assert "no object 2026/12/01/04/none.gz in webplatform-dev-111111111111-log-archive" in line


def test_a_table_without_a_date_partition(
    tmp_path: Path,
    deployed: Deployed,
    ops: Callable[..., Result],
    error_line: Callable[[Result, int], str],
) -> None:
    archive = deployed.outputs["logArchive"]
    deployed.client("glue").create_table(
        DatabaseName=archive["glueDatabase"],
        TableInput={"Name": "raw", "StorageDescriptor": {"Columns": []}},
    )
    outputs = deployed.outputs_with(tmp_path, logArchive={**archive, "table": "raw"})
    line = error_line(ops("logs", "archive", "query", outputs=outputs), 2)
    assert "has no projected date partition" in line


def test_a_stack_without_a_log_archive(
    tmp_path: Path,
    deployed: Deployed,
    ops: Callable[..., Result],
    error_line: Callable[[Result, int], str],
) -> None:
    outputs = deployed.outputs_with(tmp_path, logArchive=None)
    for command in (["query"], ["list"], ["fetch", ARCHIVE_KEY]):
        line = error_line(ops("logs", "archive", *command, outputs=outputs), 2)
        assert "has no logArchive output: the stack has no observability layer" in line
