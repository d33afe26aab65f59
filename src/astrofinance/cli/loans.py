"""`astrofinance loans ...`: the per-loan export and a loan's schedule."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

import typer
from rich.table import Table

from astrofinance.cli import filters
from astrofinance.cli.common import console, database, err_console, handle_errors

app = typer.Typer(help="Loans: the loan book (create, approve, disburse, pay, reverse, charge, "
                       "write off, show) and the computed fields (export, schedule).",
                  no_args_is_help=True)


class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"


class ScheduleFormat(StrEnum):
    table = "table"
    csv = "csv"


@contextmanager
def _binary_output(path: Path | None) -> Iterator[BinaryIO]:
    if path is not None:
        with path.open("wb") as f:
            yield f
        return
    sys.stdout.flush()
    yield sys.stdout.buffer
    sys.stdout.buffer.flush()


@app.command("export")
@handle_errors
def export(
    fmt: ExportFormat = typer.Option(ExportFormat.csv, "--format",
                                     help="csv (a header row, then one row per loan) or json "
                                          "(an array of objects; decimals as strings)."),
    output: Path = typer.Option(None, "--output", "-o", dir_okay=False,
                                help="Write to this file instead of stdout."),
    status: list[str] = typer.Option(None, "--status",
                                     help="Only this status, any case (repeatable)."),
    branch: list[str] = filters.BRANCH,
    region: list[str] = filters.REGION,
    officer: list[str] = filters.OFFICER,
    supervisor: list[str] = filters.SUPERVISOR,
    vertical_lead: list[str] = filters.VERTICAL_LEAD,
    wave: list[str] = filters.WAVE,
    product: list[str] = filters.PRODUCT,
    disbursed_from: str = filters.DISBURSED_FROM,
    disbursed_to: str = filters.DISBURSED_TO,
    dpd_min: int = typer.Option(None, "--dpd-min", min=0,
                                help="Only loans with current_dpd at least this."),
    dpd_max: int = typer.Option(None, "--dpd-max", min=0,
                                help="Only loans with current_dpd at most this."),
) -> None:
    """Export every loan's computed fields (as of the last `metrics recalculate`)."""
    from astrofinance.db import session_scope
    from astrofinance.portfolio.export import ExportFilters, export_loans

    chosen = ExportFilters(
        filters.portfolio_filters(branch, region, officer, supervisor, vertical_lead,
                                  wave, product, disbursed_from, disbursed_to),
        status=tuple(status or ()), dpd_min=dpd_min, dpd_max=dpd_max)
    with session_scope(database()) as conn, _binary_output(output) as out:
        summary = export_loans(conn.connection.driver_connection,  # type: ignore[arg-type]
                               out, fmt.value, chosen)
    if summary.rows and summary.without_fields == summary.rows:
        err_console.print("[yellow]warning:[/] no recalculation has been run for these loans: "
                          "their fields are empty. Run `astrofinance metrics recalculate` "
                          "first.", highlight=False)
    elif summary.without_fields:
        err_console.print(f"[yellow]warning:[/] {summary.without_fields:,} loan(s) have no "
                          "computed fields yet (added since the last recalculation): run "
                          "`astrofinance metrics recalculate`.", highlight=False)
    dates = ", ".join(str(d) for d in summary.as_of_dates) or "none"
    err_console.print(f"{summary.rows:,} loan(s) exported (fields as of {dates})"
                      + (f" to {output}" if output else ""), highlight=False)


@app.command("schedule")
@handle_errors
def schedule(
    loan_id: str = typer.Argument(..., help="The loan's id."),
    fmt: ScheduleFormat = typer.Option(ScheduleFormat.table, "--format",
                                       help="table (Rich) or csv."),
) -> None:
    """Show a loan's installments: due dates, amounts and the date each became fully paid."""
    from astrofinance.db import session_scope
    from astrofinance.portfolio.export import SCHEDULE_COLUMNS, loan_schedule

    with session_scope(database()) as conn:
        rows = loan_schedule(conn.connection.driver_connection, loan_id)  # type: ignore[arg-type]
    cells = [["" if v is None else str(v) for v in row] for row in rows]
    if fmt is ScheduleFormat.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(SCHEDULE_COLUMNS)
        writer.writerows(cells)
        return
    table = Table(title=f"Schedule of loan {loan_id}")
    for col in SCHEDULE_COLUMNS:
        table.add_column(col, justify="left" if col in ("due_date", "paid_on") else "right",
                         overflow="fold")
    for row in cells:
        table.add_row(*row)
    console.print(table)
    if not rows:
        err_console.print(f"loan {loan_id} has no schedule (no first payment due date?)")
