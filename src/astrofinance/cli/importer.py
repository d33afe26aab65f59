"""`astrofinance import DIR` (the CSV bundle) and `astrofinance imports list|rejects`."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from astrofinance.cli.common import console, database, err_console, handle_errors

imports_app = typer.Typer(help="Past imports: list the runs, show a run's rejected rows.",
                          no_args_is_help=True)


class RejectsFormat(StrEnum):
    table = "table"
    csv = "csv"


def register(app: typer.Typer) -> None:
    app.command("import")(import_bundle)
    app.add_typer(imports_app, name="imports")


class RichProgress:
    """Progress bars on stderr: one per file (bytes and rows read), then the database phases."""

    def __init__(self) -> None:
        self.progress = Progress(
            SpinnerColumn(), TextColumn("[bold]{task.description:<28}"), BarColumn(),
            DownloadColumn(), TextColumn("{task.fields[rows]:>12,} rows"), TimeElapsedColumn(),
            console=err_console, transient=False, disable=not err_console.is_terminal)
        self.tasks: dict[str, TaskID] = {}
        self.phase_task: TaskID | None = None

    def __enter__(self) -> RichProgress:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.phase_task is not None:
            self.progress.update(self.phase_task, description="done", completed=1, total=1)
        self.progress.__exit__(None, None, None)

    def file_started(self, name: str, total_bytes: int) -> None:
        self.tasks[name] = self.progress.add_task(f"reading {name}", total=total_bytes, rows=0)

    def file_advanced(self, name: str, bytes_done: int, rows: int) -> None:
        self.progress.update(self.tasks[name], completed=bytes_done, rows=rows)

    def phase(self, description: str) -> None:
        if self.phase_task is None:
            self.phase_task = self.progress.add_task(description, total=None, rows=0)
        self.progress.update(self.phase_task, description=description)


@handle_errors
def import_bundle(
    directory: Path = typer.Argument(..., exists=True, file_okay=False, dir_okay=True,
                                     help="The bundle: a directory of CSV files (loans.csv and "
                                          "any of holidays, officers, customers, repayments, "
                                          "schedules .csv)."),
    skip_invalid: bool = typer.Option(False, "--skip-invalid",
                                      help="Import the good rows; keep the bad ones in the "
                                           "database (see `astrofinance imports rejects`). "
                                           "Unknown columns are then ignored."),
    report: Path = typer.Option(None, "--report", dir_okay=False,
                                help="Write every problem found to this CSV file. Default: "
                                     "import-report-RUN.csv in the current directory when an "
                                     "import fails with more than 20 problems."),
) -> None:
    """Import a CSV bundle (upsert by id: importing the same bundle twice changes nothing)."""
    from astrofinance.sync.service import import_bundle as run

    db = database()
    with RichProgress() as progress:
        result = run(directory, skip_invalid=skip_invalid, report_path=report,
                     progress=progress, db=db)
    for warning in result.warnings:
        err_console.print(f"[yellow]warning:[/] {warning}", highlight=False, soft_wrap=True)
    console.print(_summary(result))
    if result.problem_count:
        rejected = sum(c.rejected for c in result.counts.values())
        err_console.print(
            f"[yellow]{rejected} row(s) rejected[/] ({result.problem_count} problem(s)); they "
            f"are kept in the database with run {result.run_id}: list them with "
            f"`astrofinance imports rejects {result.run_id}`", highlight=False, soft_wrap=True)
        for problem in result.problems:
            err_console.print(f"  {problem}", highlight=False, soft_wrap=True)
        if result.problem_count > len(result.problems):
            err_console.print(f"  … and {result.problem_count - len(result.problems)} more")
        if result.report_path:
            err_console.print(f"full report: {result.report_path}", highlight=False,
                              soft_wrap=True)


def _summary(result) -> Table:
    table = Table(title=f"Import run {result.run_id}: {result.status}")
    table.add_column("file")
    for col in ("read", "inserted", "updated", "unchanged", "rejected"):
        table.add_column(col, justify="right")
    for name, c in result.counts.items():
        table.add_row(name, *(f"{n:,}" for n in (c.read, c.inserted, c.updated, c.unchanged,
                                                 c.rejected)))
    return table


@imports_app.command("list")
@handle_errors
def list_runs(
    limit: int = typer.Option(20, "--limit", "-n", min=1, help="How many recent runs to show."),
) -> None:
    """List recent imports: when, from where, outcome, rows read and rejected."""
    from astrofinance.db import session_scope
    from astrofinance.sync.runs import recent_runs

    with session_scope(database()) as conn:
        runs = recent_runs(conn, limit)
    table = Table(title="Imports")
    for col in ("run", "started", "status", "read", "rejected", "source"):
        table.add_column(col, justify="right" if col in ("run", "read", "rejected") else "left")
    for r in runs:
        table.add_row(str(r.id), f"{r.started_at:%Y-%m-%d %H:%M:%S}", r.status, f"{r.read:,}",
                      f"{r.rejected:,}", r.source)
    console.print(table)


@imports_app.command("rejects")
@handle_errors
def rejects(
    run_id: int = typer.Argument(None, help="The import run (default: the latest run that "
                                            "kept rejected rows)."),
    fmt: RejectsFormat = typer.Option(RejectsFormat.table, "--format",
                                      help="table (Rich) or csv (with each row's data)."),
    output: Path = typer.Option(None, "--output", "-o", dir_okay=False,
                                help="Write to this file instead of stdout (csv)."),
) -> None:
    """Show the rows an import with --skip-invalid rejected: file, line, column, value, reason."""
    from astrofinance.db import session_scope
    from astrofinance.sync.runs import latest_run_with_rejects, list_rejects, write_rejects_csv

    with session_scope(database()) as conn:
        run_id = run_id if run_id is not None else latest_run_with_rejects(conn)
        if fmt is RejectsFormat.csv or output is not None:
            driver = conn.connection.driver_connection
            if output is not None:
                with output.open("wb") as out:
                    n = write_rejects_csv(driver, run_id, out)  # type: ignore[arg-type]
                err_console.print(f"{n:,} rejected row problem(s) written to {output}")
            else:
                sys.stdout.flush()
                write_rejects_csv(driver, run_id, sys.stdout.buffer)  # type: ignore[arg-type]
                sys.stdout.buffer.flush()
            return
        rows = list_rejects(conn, run_id)
    table = Table(title=f"Rows rejected by import run {run_id}")
    for col in ("file", "line", "column", "value", "reason"):
        table.add_column(col, justify="right" if col == "line" else "left", overflow="fold")
    for r in rows:
        table.add_row(r.file, str(r.line), r.column_name or "", r.value or "", r.reason)
    console.print(table)
