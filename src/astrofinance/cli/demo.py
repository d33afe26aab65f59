"""`astrofinance demo`: the embedded database, a demo book, recalculated, summarised."""

from __future__ import annotations

import time

import typer

from astrofinance.cli.common import console, database, err_console, handle_errors, today


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


@handle_errors
def demo(
    loans: int = typer.Option(5000, "--loans", "-n", min=1, max=1_000_000,
                              help="Loans in the demo book (only when the database is empty)."),
    seed: int = typer.Option(42, "--seed", help="Random seed of the demo book."),
    reseed: bool = typer.Option(False, "--reseed",
                                help="Replace an existing book with a fresh demo book."),
) -> None:
    """Start the embedded database, load a demo book (first time), recalculate, show the KPIs."""
    from sqlalchemy import text

    from astrofinance.cli.portfolio_view import render
    from astrofinance.db import session_scope
    from astrofinance.metrics.portfolio import portfolio_metrics
    from astrofinance.metrics.service import recalculate
    from astrofinance.portfolio.seed import seed_portfolio

    started = time.monotonic()
    db = database()
    console.print(f"[bold]database[/]: {db.describe()}")
    as_of = today()
    with session_scope(db) as conn:
        existing = conn.execute(text("SELECT count(*) FROM loans")).scalar_one()
    if existing == 0 or reseed:
        result = seed_portfolio(db, loans=loans, seed=seed, as_of=as_of, replace=reseed)
        console.print(result.summary())
    else:
        console.print(f"using the existing book of {existing:,} loans (--reseed to replace it)")
    with err_console.status(f"recalculating loan fields as of {as_of}…"):
        with session_scope(db) as conn:
            recalc = recalculate(conn, as_of)
    console.print(f"recalculated {recalc.total_loans_processed:,} loans "
                  f"in {recalc.execution_time_ms:,} ms")
    with session_scope(db) as conn:
        report = portfolio_metrics(conn, as_of=as_of)
    render(console, report)
    console.print(f"\nready in {time.monotonic() - started:.1f} s. Next:")
    for line in ("astrofinance metrics portfolio --group-by branch",
                 "astrofinance loans export --output loans.csv",
                 "astrofinance loans schedule LN0000001",
                 "astrofinance db info        # the psql command for this database"):
        console.print(f"  {line}")
    console.print("The web dashboard (`astrofinance serve`) arrives with the web UI work; "
                  "this demo shows the same numbers on the command line.")
