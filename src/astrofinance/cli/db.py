"""`astrofinance db ...`: the database's lifecycle."""

from __future__ import annotations

import typer
from rich.table import Table

from astrofinance.cli.common import console, err_console, handle_errors

app = typer.Typer(help="Database: migrate, info, seed, start/stop the embedded server.",
                  no_args_is_help=True)


@app.command()
@handle_errors
def info() -> None:
    """Say which database is in use, its schema version and its size."""
    from sqlalchemy import text

    from astrofinance.config import get_settings
    from astrofinance.db.engine import get_database
    from astrofinance.db.migrate import current_revision, head_revision

    db = get_database(migrate=False)
    settings = get_settings()
    with db.begin() as c:
        row = c.execute(text(
            "SELECT current_database(), current_setting('server_version'), "
            "pg_size_pretty(pg_database_size(current_database()))")).one()
        cube = c.execute(text(        # migration 0024's loan cube, if the schema has it
            "SELECT s.valid, s.rebuilt_at, (SELECT count(*) FROM loan_cube) FROM loan_cube_state s"
        )).first() if c.execute(text("SELECT to_regclass('loan_cube_state')")).scalar() else None
    table = Table(show_header=False, box=None)
    table.add_row("database", db.describe())
    if db.embedded:
        table.add_row("data dir", str(settings.data_dir))
        from astrofinance.db.engine import libpq_url
        table.add_row("psql", f"psql '{libpq_url(db.url)}'")
    table.add_row("name", row[0])
    table.add_row("server", f"PostgreSQL {row[1]}")
    table.add_row("size", row[2])
    table.add_row("schema version", f"{current_revision(db) or '(none)'} (code: {head_revision()})")
    table.add_row("profile", settings.profile)
    if cube is not None:
        valid, rebuilt_at, rows = cube
        table.add_row("loan cube", (
            f"valid: {rows:,} rows" + (f", rebuilt {rebuilt_at:%Y-%m-%d %H:%M %Z}"
                                       if rebuilt_at else "")) if valid else (
            "stale (a recalculation called from psql): the portfolio figures read every "
            "loan until `astrofinance metrics recalculate` or SELECT loan_cube_rebuild()"))
    console.print(table)


@app.command()
@handle_errors
def migrate(
    create: bool = typer.Option(False, "--create", "-c",
                                help="Create the database first if it does not exist."),
    reset: bool = typer.Option(False, "--reset", "-r",
                               help="Drop everything and migrate from scratch (asks first)."),
    backup: bool = typer.Option(False, "--backup", "-b",
                                help="Take a verified backup first (into ASTROFINANCE_BACKUP_PATH "
                                     "or ./backups; no retention applied)."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Bring the schema to the current version."""
    from astrofinance.config import get_settings
    from astrofinance.db import migrate as m
    from astrofinance.db.engine import get_database

    if create:
        _create_database()
    if backup:
        from astrofinance.cli.backup import take_backup

        made = take_backup(None)
        err_console.print(f"backed up to {made.path}", highlight=False, soft_wrap=True)
    db = get_database(migrate=False)
    if reset:
        if not yes and not typer.confirm(f"Drop ALL data in {db.describe()}?"):
            raise typer.Exit(1)
        m.downgrade_all(db)
    before = m.current_revision(db)
    m.upgrade(db)
    m.apply_settings(db, get_settings())
    after = m.current_revision(db)
    console.print(f"schema at {after}" + ("" if before == after else f" (was {before or 'empty'})"))


def _create_database() -> None:
    from urllib.parse import urlsplit, urlunsplit

    from sqlalchemy import create_engine, text

    from astrofinance.config import get_settings
    from astrofinance.db.engine import sqlalchemy_url

    url = get_settings().resolved_database_url()
    if url is None:
        return  # the embedded database is created on first use
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = create_engine(sqlalchemy_url(urlunsplit(parts._replace(path="/postgres"))),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        exists = c.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                           {"n": name}).first()
        if not exists:
            c.execute(text(f'CREATE DATABASE "{name.replace(chr(34), "")}"'))
            console.print(f"created database {name}")
    admin.dispose()


@app.command()
@handle_errors
def seed(
    loans: int = typer.Option(2000, "--loans", "-n", min=1, max=5_000_000,
                              help="How many loans to generate."),
    seed: int = typer.Option(42, "--seed", "-s", help="Random seed (same seed, same book)."),
    as_of: str = typer.Option(None, "--as-of",
                              help="The book's 'today' (YYYY-MM-DD); default: today."),
    replace: bool = typer.Option(False, "--replace",
                                 help="Delete existing demo data before seeding."),
) -> None:
    """Generate a realistic demo portfolio (officers, customers, loans, repayments, holidays)."""
    from astrofinance.cli.common import database, parse_date, today
    from astrofinance.portfolio import seed as seeder

    db = database()
    result = seeder.seed_portfolio(db, loans=loans, seed=seed,
                                   as_of=parse_date(as_of, "--as-of") or today(),
                                   replace=replace)
    console.print(result.summary())


@app.command()
@handle_errors
def start() -> None:
    """Start the embedded database server (it keeps running for psql and later commands)."""
    from astrofinance.config import get_settings
    from astrofinance.db.engine import get_database, libpq_url

    db = get_database()
    if not db.embedded:
        err_console.print("DATABASE_URL is set: nothing to start")
        return
    console.print(f"embedded PostgreSQL running in {get_settings().data_dir}")
    console.print(f"psql '{libpq_url(db.url)}'")


@app.command()
@handle_errors
def stop() -> None:
    """Stop the embedded database server."""
    from astrofinance.config import get_settings
    from astrofinance.db import embedded

    stopped = embedded.stop(get_settings().data_dir)
    console.print("stopped" if stopped else "the embedded server was not running")
