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
    serve: bool = typer.Option(True, "--serve/--no-serve",
                               help="End on the web dashboard (until Ctrl-C); --no-serve "
                                    "stops after the summary."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address of the dashboard."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port of the dashboard."),
    open_browser: bool = typer.Option(False, "--open",
                                      help="Open the dashboard in the default browser."),
) -> None:
    """Start the embedded database, load a demo book (first time), recalculate, show the KPIs,
    then serve the web dashboard with demo users."""
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
    _demo_history(db, as_of)
    users = _demo_users(db)
    console.print(f"\nready in {time.monotonic() - started:.1f} s. On the command line:")
    for line in ("astrofinance metrics portfolio --group-by branch",
                 "astrofinance loans export --output loans.csv",
                 f"astrofinance loans schedule {sample}",
                 "astrofinance db info        # the psql command for this database"):
        console.print(f"  {line}")
    url = f"http://{host}:{port}/"
    console.print(f"\n[bold]The dashboard[/]: {url} — sign in as")
    for username, role, password, what in users:
        console.print(f"  [bold]{username}[/] / {password}   ({role}: {what})")
    console.print("[dim]Demo passwords are new at every `astrofinance demo`; add real users "
                  "with `astrofinance users add`.[/]")
    if not serve:
        return
    _serve(db, host, port, url if open_browser else None)


DEMO_USERS = (("demo", "admin", "everything, Operations included"),
              ("demo-officer", "loan_officer", "only one officer's loans"))


def _demo_users(db) -> list[tuple[str, str, str, str]]:
    """The demo's sign-ins, each with a new random password (printed, never stored in
    clear): an admin, and a loan officer linked to the officer with the most loans."""
    import secrets

    from sqlalchemy import text

    from astrofinance.auth import service
    from astrofinance.auth.context import act_as
    from astrofinance.db import session_scope
    from astrofinance.errors import NotFound

    out = []
    with session_scope(db) as conn:
        act_as(conn, "demo")
        officer_email = conn.execute(text(
            "SELECT o.email FROM officers o JOIN loans l USING (officer_id) "
            "WHERE o.email IS NOT NULL GROUP BY o.officer_id, o.email "
            "ORDER BY count(*) DESC, o.officer_id LIMIT 1")).scalar()
        for username, role, what in DEMO_USERS:
            password = secrets.token_urlsafe(9)
            try:
                service.get_user(conn, username)
                service.reset_password(conn, username, password)
            except NotFound:
                email = officer_email if role == "loan_officer" else None
                service.add_user(conn, username, role, password, email=email,
                                 full_name=f"Demo {role.replace('_', ' ')}")
            out.append((username, role, password, what))
    return out


def _demo_history(db, as_of) -> None:
    """PAR30 and GLP over time need daily snapshots: the first demo stores one every 3 days
    of the last 90 (`astrofinance metrics backfill` does the same for a real book)."""
    import datetime as dt

    from sqlalchemy import text

    from astrofinance.metrics.snapshots import backfill

    with db.engine.connect() as conn:
        days = conn.execute(text("SELECT count(DISTINCT as_of) FROM portfolio_snapshots")
                            ).scalar_one()
    if days > 1:
        return
    with err_console.status("storing 90 days of portfolio history for the trend charts…") \
            as status:
        result = backfill(db, as_of - dt.timedelta(days=90), as_of - dt.timedelta(days=1),
                          every=3, progress=lambda day, i, n: status.update(
                              f"portfolio history: {day} ({i}/{n})…"))
    console.print(f"portfolio history: {result.days} daily snapshots "
                  f"({result.seconds:.1f} s)")


def _serve(db, host: str, port: int, open_url: str | None) -> None:
    import uvicorn

    from astrofinance.api import create_app
    from astrofinance.api.app import configure_logging
    from astrofinance.auth.context import clear_cli_actor

    clear_cli_actor()
    configure_logging("warning")
    if open_url:
        import threading
        import webbrowser

        threading.Timer(1.5, webbrowser.open, [open_url]).start()
    console.print("Serving the dashboard; Ctrl-C stops it.")
    uvicorn.run(create_app(db), host=host, port=port, log_level="warning", proxy_headers=False)


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
