"""Output: results on stdout (rich tables for people, one JSON document per line for programs),
progress on stderr so that piping stdout stays clean."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text


def table(columns: Sequence[str], rows: Iterable[Sequence[Any]], title: str | None = None) -> None:
    grid = Table(*columns, title=title, title_justify="left")
    for row in rows:
        grid.add_row(*(Text("" if cell is None else str(cell)) for cell in row))
    Console(highlight=False).print(grid)


def json_lines(records: Iterable[Any]) -> None:
    for record in records:
        click.echo(json.dumps(record, default=str))


def note(message: str) -> None:
    """A line for the person at the terminal, not for a pipe."""
    click.echo(message, err=True)


def progress() -> Progress:
    """A spinner, a pulsing bar and the time taken, on stderr when it is a terminal; gone
    when done."""
    console = Console(stderr=True)
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
