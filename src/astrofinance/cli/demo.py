"""`astrofinance demo`: the embedded database, a demo book, recalculated, summarised."""

from __future__ import annotations

import time

import typer

from astrofinance.cli.common import console, database, err_console, handle_errors, today

DEMO_SOURCE = "astrofinance_source"


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


@handle_errors
def demo(
    loans: int = typer.Option(5000, "--loans", "-n", min=1, max=1_000_000,
                              help="Loans in the demo book (only when the database is empty)."),
    seed: int = typer.Option(42, "--seed", help="Random seed of the demo book."),
    reseed: bool = typer.Option(False, "--reseed",
                                help="Replace an existing book with a fresh demo book "
                                     "(seeded directly, without a source)."),
    source_url: str = typer.Option(None, "--source-url", envvar="SOURCE_DATABASE_URL",
                                   show_default=False,
                                   help="Sync the first book from this source (default: a "
                                        "generated Django Ajo source database, "
                                        f"{DEMO_SOURCE}, on the embedded server)."),
) -> None:
    """Start the embedded database, load a demo book (first time), recalculate, show the KPIs."""
    from sqlalchemy import text

    from astrofinance.cli.portfolio_view import render
    from astrofinance.db import session_scope
    from astrofinance.lending.demo import book_demo_loans
    from astrofinance.metrics.portfolio import portfolio_metrics
    from astrofinance.metrics.service import recalculate
    from astrofinance.portfolio.seed import seed_portfolio

    started = time.monotonic()
    db = database()
    console.print(f"[bold]database[/]: {db.describe()}")
    as_of = today()
    with session_scope(db) as conn:
        existing = conn.execute(text("SELECT count(*) FROM loans")).scalar_one()
    if existing == 0 and (source_url or db.embedded) and not reseed:
        _sync_demo_book(db, source_url, loans, seed)
    elif existing == 0 or reseed:
        result = seed_portfolio(db, loans=loans, seed=seed, as_of=as_of, replace=reseed)
        console.print(result.summary())
    else:
        console.print(f"using the existing book of {existing:,} loans (--reseed to replace it)")
    with err_console.status("booking demo loans in the loan book…"), session_scope(db) as conn:
        booked = book_demo_loans(conn, as_of)
    if booked:
        console.print(f"loan book: {booked} loans originated, paid, charged and reversed "
                      "through the ledger (`astrofinance accounting trial-balance`)")
    with err_console.status(f"recalculating loan fields as of {as_of}…"):
        with session_scope(db) as conn:
            recalc = recalculate(conn, as_of)
    console.print(f"recalculated {recalc.total_loans_processed:,} loans "
                  f"in {recalc.execution_time_ms:,} ms")
    with session_scope(db) as conn:
        report = portfolio_metrics(conn, as_of=as_of)
        sample = conn.execute(text("SELECT loan_id FROM loans ORDER BY loan_id LIMIT 1")
                              ).scalar_one()
    render(console, report)
    console.print(f"\nready in {time.monotonic() - started:.1f} s. Next:")
    for line in ("astrofinance metrics portfolio --group-by branch",
                 "astrofinance loans export --output loans.csv",
                 f"astrofinance loans schedule {sample}",
                 "astrofinance db info        # the psql command for this database"):
        console.print(f"  {line}")
    console.print("The web dashboard (`astrofinance serve`) arrives with the web UI work; "
                  "this demo shows the same numbers on the command line.")


def _sync_demo_book(db, source_url: str | None, loans: int, seed: int) -> None:
    """The first book comes the way a lender's does: synced from their system of record (a
    generated reference source next to the embedded database, unless one is given)."""
    from astrofinance.cli.sync_view import SyncBars
    from astrofinance.db.engine import libpq_url
    from astrofinance.sync.mapping import load_mapping
    from astrofinance.sync.reference import create_reference_source, database_url
    from astrofinance.sync.runner import BatchSizes, Syncer
    from astrofinance.sync.source import SqlSource

    if not source_url:
        source_url = database_url(libpq_url(db.url), DEMO_SOURCE)
        if not _database_exists(db, DEMO_SOURCE):
            with err_console.status(f"generating a Django Ajo source database ({DEMO_SOURCE}, "
                                    f"{loans:,} loans)…") as status:
                _create_database(db, DEMO_SOURCE)
                counts = create_reference_source(
                    source_url, loans=loans, seed=seed,
                    progress=lambda step: status.update(f"generating the source: {step}…"))
            console.print("source: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
    console.print("syncing the book from the source (`astrofinance sync full`)…")
    with SqlSource(source_url, load_mapping()) as source, SyncBars() as bars:
        Syncer(source, db, BatchSizes(2000, 10000, 5000), bars).full()


def _database_exists(db, name: str) -> bool:
    from sqlalchemy import text

    with db.engine.connect() as conn:
        return conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                            {"n": name}).first() is not None


def _create_database(db, name: str) -> None:
    from sqlalchemy import text

    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
