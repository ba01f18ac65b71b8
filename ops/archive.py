"""`logs archive`: the logs Firehose keeps in the archive bucket, queried with Athena over the
Glue table, or listed and fetched as objects."""

from __future__ import annotations

import gzip
import re
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import click

from ops import waiting
from ops.console import json_lines, note, table
from ops.context import Stack, stack_command
from ops.errors import AwsError, ConfigError
from ops.outputs import LogArchiveOutputs
from ops.times import window, window_options

DEFAULT_WINDOW = timedelta(days=1)
FINISHED = ("SUCCEEDED", "FAILED", "CANCELLED")
# Java date-format letters of a projected partition (e.g. `yyyy/MM/dd/HH`) as strftime codes.
JAVA_DATE_FIELDS = {"yyyy": "%Y", "MM": "%m", "dd": "%d", "HH": "%H", "mm": "%M", "ss": "%S"}
GZIP_MAGIC = b"\x1f\x8b"


@click.group()
def archive() -> None:
    """The logs archived in S3."""


@archive.command()
@click.option(
    "--where",
    metavar="SQL",
    help="An extra condition, e.g. \"any_match(logevents, e -> e.message LIKE '%ERROR%')\".",
)
@window_options
@click.option("--limit", default=100, show_default=True, help="Most rows to return.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per row.")
@stack_command
def query(
    stack: Stack,
    where: str | None,
    since: timedelta | None,
    start: datetime | None,
    end: datetime | None,
    limit: int,
    as_json: bool,
) -> None:
    """Query the archived logs for a date range (Athena).

    Selects the rows of the archive table whose date partition is in the window [default: the
    last day], in the stack's Athena workgroup.
    """
    log_archive = stack.need(stack.outputs.log_archive, "logArchive")
    begin, until = window(since, start, end, DEFAULT_WINDOW)
    key, date_format = date_partition(stack, log_archive)
    sql = (
        f"SELECT * FROM {quoted(log_archive.glue_database)}.{quoted(log_archive.table)} "
        f"WHERE {quoted(key)} BETWEEN '{begin.strftime(date_format)}' "
        f"AND '{until.strftime(date_format)}'"
        + (f" AND ({where})" if where else "")
        + f" LIMIT {limit}"
    )
    athena = stack.aws.client("athena")
    execution_id = athena.start_query_execution(
        QueryString=sql,
        WorkGroup=log_archive.athena_workgroup,
        QueryExecutionContext={"Database": log_archive.glue_database},
    )["QueryExecutionId"]
    try:
        execution = waiting.poll(
            "Athena query",
            lambda: athena.get_query_execution(QueryExecutionId=execution_id)["QueryExecution"],
            lambda e: e["Status"]["State"] in FINISHED,
            execution_progress,
        )
    except KeyboardInterrupt:
        athena.stop_query_execution(QueryExecutionId=execution_id)
        raise
    state = execution["Status"]["State"]
    if state != "SUCCEEDED":
        reason = execution["Status"].get("StateChangeReason", "no reason given")
        raise AwsError(f"the Athena query {execution_id} ended {state}: {reason}")
    columns, rows = query_rows(athena, execution_id)
    if as_json:
        json_lines(dict(zip(columns, row, strict=False)) for row in rows)
        return
    table(columns, rows)
    note(f"{len(rows)} rows")


def date_partition(stack: Stack, log_archive: LogArchiveOutputs) -> tuple[str, str]:
    """The table's projected date partition and its format, as strftime."""
    found = stack.aws.client("glue").get_table(
        DatabaseName=log_archive.glue_database, Name=log_archive.table
    )["Table"]
    parameters = found.get("Parameters", {})
    for key in found.get("PartitionKeys", []):
        name = key["Name"]
        if parameters.get(f"projection.{name}.type") == "date":
            java = parameters.get(f"projection.{name}.format", "yyyy/MM/dd/HH")
            return name, re.sub("|".join(JAVA_DATE_FIELDS), lambda m: JAVA_DATE_FIELDS[m[0]], java)
    raise ConfigError(
        f"the table {log_archive.glue_database}.{log_archive.table} has no projected date "
        "partition to select a window by; query it in the Athena console"
    )


def quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def execution_progress(execution: dict[str, Any]) -> str:
    scanned = execution.get("Statistics", {}).get("DataScannedInBytes", 0)
    return f"{execution['Status']['State'].lower()}, {scanned / 1_000_000:.1f} MB scanned"


def query_rows(athena: Any, execution_id: str) -> tuple[list[str], list[list[str]]]:
    """Column names and rows; Athena repeats the column names as the first row of a SELECT."""
    columns: list[str] = []
    rows: list[list[str]] = []
    pages = athena.get_paginator("get_query_results").paginate(QueryExecutionId=execution_id)
    for page in pages:
        result = page["ResultSet"]
        if not columns:
            columns = [c["Name"] for c in result["ResultSetMetadata"]["ColumnInfo"]]
        rows.extend([d.get("VarCharValue", "") for d in row["Data"]] for row in result["Rows"])
    if rows and rows[0] == columns:
        rows = rows[1:]
    return columns, rows


@archive.command("list")
@click.argument("prefix", default="")
@click.option("--limit", default=100, show_default=True, help="Most objects to list.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per object.")
@stack_command
def list_objects(stack: Stack, prefix: str, limit: int, as_json: bool) -> None:
    """List the archived log objects.

    Objects of the archive bucket whose key starts with PREFIX, like 2026/12/01/.
    """
    bucket = stack.need(stack.outputs.log_archive, "logArchive").bucket
    pages = (
        stack.aws.client("s3")
        .get_paginator("list_objects_v2")
        .paginate(Bucket=bucket, Prefix=prefix, PaginationConfig={"MaxItems": limit})
    )
    objects = [
        {"key": o["Key"], "size": o["Size"], "modified": o["LastModified"]}
        for page in pages
        for o in page.get("Contents", [])
    ]
    if as_json:
        json_lines(objects)
        return
    table(["key", "size", "modified"], ([o["key"], o["size"], o["modified"]] for o in objects))


@archive.command()
@click.argument("key")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write here [default: stdout].",
)
@stack_command
def fetch(stack: Stack, key: str, output: Path | None) -> None:
    """Fetch one archived log object.

    Writes the object KEY, decompressed if it is gzipped, to stdout or --output.
    """
    bucket = stack.need(stack.outputs.log_archive, "logArchive").bucket
    s3 = stack.aws.client("s3")
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except s3.exceptions.NoSuchKey:
        raise AwsError(f"no object {key} in {bucket}: see `logs archive list`") from None
    if body.startswith(GZIP_MAGIC):
        body = gzip.decompress(body)
    if output is None:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
    else:
        output.write_bytes(body)
        note(f"wrote {len(body)} bytes to {output}")
