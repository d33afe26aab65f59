"""`astrofinance metrics recalculate`."""

from __future__ import annotations

import typer
from rich.table import Table

from astrofinance.cli.common import console, database, err_console, handle_errors, parse_date


def register(app: typer.Typer) -> None:
    app.command("recalculate")(recalculate)


@handle_errors
def recalculate(
    as_of: str = typer.Option(None, "--as-of",
                              help="Compute as of this date (YYYY-MM-DD); default: today in the "
                                   "business time zone."),
    loan_id: list[str] = typer.Option(None, "--loan-id",
                                      help="Only this loan (repeat for more)."),
) -> None:
    """Recompute every loan's fields (DPD, FIMR, outstanding, scores...) and store them."""
    from astrofinance.cli.common import today
    from astrofinance.db import session_scope
    from astrofinance.metrics.service import recalculate as run

    date = parse_date(as_of, "--as-of") or today()
    db = database()
    with err_console.status(f"recalculating loan fields as of {date}…"):
        with session_scope(db) as conn:
            result = run(conn, date, loan_id or None)
    table = Table(title=f"Loan fields recalculated as of {result.as_of}")
    for col in ("total_loans_processed", "loans_updated", "execution_time_ms"):
        table.add_column(col, justify="right")
    table.add_row(f"{result.total_loans_processed:,}", f"{result.loans_updated:,}",
                  f"{result.execution_time_ms:,}")
    console.print(table)
