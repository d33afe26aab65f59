"""The reference source: the earlier system's Django "Ajo" lending schema on PostgreSQL
(schema.sql) and a generator of a realistic book in it (generate_*.sql), so that the tests, the
demo and bench/sync.py sync from a real second database (issue 3). docs/reference-source.md.

The rows are made by set-based SQL in one transaction; randomness is a hash of (seed, row key),
so the same arguments always give the same database.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import psycopg
from psycopg import sql

from astrofinance.errors import Conflict, ValidationFailed
from astrofinance.kit.sql import load_sql
from astrofinance.portfolio import seed_data
from astrofinance.portfolio.holidays import package_holidays
from astrofinance.sync.reference.data import FEMALE_FIRST_NAMES, LGAS, MALE_FIRST_NAMES, STREETS

_PKG = "astrofinance.sync.reference"
TABLES = ("accounts_customuser", "ajo_ajouser", "loans_ajoloan", "loans_ajoloanrepayment",
          "loans_holiday")
POST_DATA_MARKER = "-- post-data"
# The seed's volume: 1.2k officers and 15.7k customers for 17.9k loans.
OFFICERS_PER_LOAN = 1200 / 17929
CUSTOMERS_PER_LOAN = 15700 / 17929
MAX_LOANS = 5_000_000
CALENDAR_BEFORE_DAYS = 560  # covers the ~18-month (548-day) disbursement window
CALENDAR_AFTER_DAYS = 220   # covers the end_date of a 120-day loan disbursed on as_of
_DB_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
LAGOS = ZoneInfo("Africa/Lagos")

Progress = Callable[[str], None]


def default_as_of() -> dt.date:
    """Yesterday in Lagos: every generated timestamp is then in the past (see the docs)."""
    return dt.datetime.now(LAGOS).date() - dt.timedelta(days=1)


def schema_parts() -> tuple[str, str]:
    """schema.sql split at its post-data marker: (tables, constraints and indexes)."""
    text = load_sql(_PKG, "schema.sql")
    tables, marker, rest = text.partition(POST_DATA_MARKER)
    if not marker:
        raise RuntimeError("schema.sql has no post-data marker")
    return tables, marker + rest


def create_reference_source(url: str, *, loans: int = 2000, seed: int = 1,
                            as_of: dt.date | None = None, reset: bool = False,
                            progress: Progress | None = None) -> dict[str, int]:
    """Create the reference schema in the database at `url` and fill it; rows per table."""
    if not 1 <= loans <= MAX_LOANS:
        raise ValidationFailed(f"loans must be between 1 and {MAX_LOANS:,}, not {loans}")
    if not 0 <= seed < 2**31:
        raise ValidationFailed(f"seed must be between 0 and {2**31 - 1}, not {seed}")
    as_of = as_of or default_as_of()
    say = progress or (lambda _message: None)
    with psycopg.connect(url) as conn:
        _prepare(conn, reset)
        tables, post_data = schema_parts()
        conn.execute(tables)
        _generate(conn, loans, seed, as_of, say)
        say("constraints and indexes")
        conn.execute(post_data)
        say("analyze")
        conn.execute("ANALYZE " + ", ".join(TABLES))
        return _counts(conn)


def _prepare(conn: psycopg.Connection, reset: bool) -> None:
    """Drop the reference tables (reset), or refuse when any of them exists."""
    existing = [t for t in TABLES
                if conn.execute("SELECT to_regclass(%s)", (t,)).fetchone() != (None,)]
    if existing and not reset:
        raise Conflict(f"the database already has reference tables ({', '.join(existing)}); "
                       "pass reset=True to drop and recreate them")
    if existing:
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(
            sql.SQL(", ").join(map(sql.Identifier, TABLES))))


def _generate(conn: psycopg.Connection, loans: int, seed: int, as_of: dt.date,
              say: Progress) -> None:
    conn.execute(load_sql(_PKG, "generate_setup.sql"))
    conn.execute(load_sql(_PKG, "generate_params.sql"), _params(loans, seed, as_of))
    say("holidays")
    first = as_of - dt.timedelta(days=CALENDAR_BEFORE_DAYS)
    last = as_of + dt.timedelta(days=CALENDAR_AFTER_DAYS)
    days = package_holidays("NG", list(range(first.year, last.year + 1)))
    conn.execute(load_sql(_PKG, "generate_holidays.sql"),
                 {"dates": list(days), "names": [name for name, _ in days.values()]})
    conn.execute(load_sql(_PKG, "generate_calendar.sql"))
    for step, name in (("officers and customers", "generate_people.sql"),
                       ("loan terms", "generate_plan.sql"),
                       ("repayments", "generate_repayments.sql"),
                       ("loans", "generate_loans.sql"),
                       ("agent holidays and sequences", "generate_finish.sql")):
        say(step)
        conn.execute(load_sql(_PKG, name))


def _params(loans: int, seed: int, as_of: dt.date) -> dict[str, object]:
    branches = seed_data.BRANCHES
    lgas = [(state, lga) for state, names in LGAS.items() for lga in names]
    return {
        "seed": seed, "as_of": as_of, "loans": loans,
        "officers": max(5, round(loans * OFFICERS_PER_LOAN)),
        "customers": max(1, min(loans, round(loans * CUSTOMERS_PER_LOAN))),
        "female_names": list(FEMALE_FIRST_NAMES), "male_names": list(MALE_FIRST_NAMES),
        "last_names": list(seed_data.LAST_NAMES),
        "branch_slots": [b.name for b in branches for _ in range(b.weight)],
        "prefixes": list(seed_data.PHONE_PREFIXES), "staff_domain": seed_data.STAFF_DOMAIN,
        "mail_domains": list(seed_data.EMAIL_DOMAINS), "streets": list(STREETS),
        "cal_start": as_of - dt.timedelta(days=CALENDAR_BEFORE_DAYS),
        "cal_end": as_of + dt.timedelta(days=CALENDAR_AFTER_DAYS),
        "branch_names": [b.name for b in branches], "branch_states": [b.state for b in branches],
        "lga_states": [s for s, _ in lgas], "lga_names": [n for _, n in lgas],
    }


def _counts(conn: psycopg.Connection) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in TABLES:
        row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        counts[table] = row.fetchone()[0]  # type: ignore[index]
    return counts


def database_url(server_url: str, name: str) -> str:
    """The URL of database `name` on the server of `server_url` (a libpq URL)."""
    parts = urlsplit(server_url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise ValidationFailed("expected a postgresql:// URL")
    return urlunsplit(parts._replace(path="/" + name))


def create_database(server_url: str, name: str) -> str:
    """CREATE DATABASE `name` on the server of `server_url`; returns the new database's URL."""
    _server_command(server_url, "CREATE DATABASE {}", name)
    return database_url(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    """DROP DATABASE IF EXISTS `name` (closing its connections) on the server of `server_url`."""
    _server_command(server_url, "DROP DATABASE IF EXISTS {} WITH (FORCE)", name)


def _server_command(server_url: str, statement: str, name: str) -> None:
    if not _DB_NAME.fullmatch(name):
        raise ValidationFailed(f"{name!r} is not a database name (a-z, 0-9 and _, max 63)")
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL(statement).format(sql.Identifier(name)))  # type: ignore[arg-type]
