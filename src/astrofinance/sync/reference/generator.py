"""Generate the reference source: schema.sql, then a book made by the generate_*.sql files.

Set-based SQL throughout: people, loans and their repayment plans in one transaction, then the
repayments written by two connections at once (each its share of the loans), then the
constraints and indexes. Randomness is a hash of (seed, row key), so the same arguments always
give the same database. docs/reference-source.md describes the data.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
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
WRITERS = 2                 # connections writing the repayments at once
LAGOS = ZoneInfo("Africa/Lagos")
FIRST_AS_OF, LAST_AS_OF = dt.date(2000, 1, 1), dt.date(2099, 6, 30)

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


def create_reference_schema(url: str, *, reset: bool = False) -> None:
    """Create the reference tables, constraints and indexes, without rows, at `url`."""
    with psycopg.connect(url) as conn:
        _prepare(conn, reset)
        conn.execute(load_sql(_PKG, "schema.sql"))


def create_reference_source(url: str, *, loans: int = 2000, seed: int = 1,
                            as_of: dt.date | None = None, reset: bool = False,
                            progress: Progress | None = None) -> dict[str, int]:
    """Create the reference schema in the database at `url` and fill it; rows per table.

    `as_of` (default: yesterday in Lagos) is the last day with activity; the loans are
    disbursed over the ~18 months before it. `reset` drops existing reference tables first.
    """
    as_of = as_of or default_as_of()
    _check(loans, seed, as_of)
    say = progress or (lambda _message: None)
    with psycopg.connect(url) as conn:
        _tune(conn)
        _prepare(conn, reset)
        try:
            _generate(conn, url, loans, seed, as_of, say)
        except BaseException:
            _drop_work_schema(conn)
            raise
    say("vacuum and analyze")
    with psycopg.connect(url, autocommit=True) as conn:
        # Sets the hint bits and visibility map now, as in a settled production database, so
        # that the first full read of the source (a sync, a benchmark) does not pay for it.
        conn.execute("VACUUM (ANALYZE) " + ", ".join(TABLES))
        return _counts(conn)


def _check(loans: int, seed: int, as_of: dt.date) -> None:
    if not 1 <= loans <= MAX_LOANS:
        raise ValidationFailed(f"loans must be between 1 and {MAX_LOANS:,}, not {loans}")
    if not 0 <= seed < 2**31:
        raise ValidationFailed(f"seed must be between 0 and {2**31 - 1}, not {seed}")
    if not FIRST_AS_OF <= as_of <= LAST_AS_OF:
        raise ValidationFailed(f"as_of must be between {FIRST_AS_OF} and {LAST_AS_OF}")


def _tune(conn: psycopg.Connection) -> None:
    """Session settings for large one-off statements (the connection is the generator's own)."""
    conn.execute(load_sql(_PKG, "generate_session.sql"))


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
    conn.execute("DROP SCHEMA IF EXISTS _refgen CASCADE")


def _generate(conn: psycopg.Connection, url: str, loans: int, seed: int, as_of: dt.date,
              say: Progress) -> None:
    """Tables, people, loans and the repayment plan in one transaction (committed: the
    writers read the plan), then the repayments, then constraints and indexes."""
    tables, post_data = schema_parts()
    conn.execute(tables)
    conn.execute(load_sql(_PKG, "generate_setup.sql"))
    conn.execute(load_sql(_PKG, "generate_params.sql"), _params(loans, seed, as_of))
    say("holidays")
    _insert_holidays(conn, as_of)
    conn.execute(load_sql(_PKG, "generate_calendar.sql"))
    say("officers and customers")
    conn.execute(load_sql(_PKG, "generate_people.sql"))
    say("loans")
    conn.execute(load_sql(_PKG, "generate_plan.sql"))
    conn.execute(load_sql(_PKG, "generate_loans.sql"))
    conn.commit()
    say("repayments")
    _write_repayments(url)
    say("constraints and indexes")
    conn.execute(load_sql(_PKG, "generate_finish.sql"))
    conn.execute(post_data)
    conn.execute("DROP SCHEMA _refgen CASCADE")
    conn.commit()


def _insert_holidays(conn: psycopg.Connection, as_of: dt.date) -> None:
    """Nigeria's public holidays (the `holidays` package) over the calendar's years."""
    first = as_of - dt.timedelta(days=CALENDAR_BEFORE_DAYS)
    last = as_of + dt.timedelta(days=CALENDAR_AFTER_DAYS)
    days = package_holidays("NG", list(range(first.year, last.year + 1)))
    conn.execute(load_sql(_PKG, "generate_holidays.sql"),
                 {"dates": list(days), "names": [name for name, _ in days.values()]})


def _write_repayments(url: str) -> None:
    """Insert the repayments from WRITERS connections at once, each its share of the loans."""
    def write(worker: int) -> None:
        with psycopg.connect(url) as conn:
            _tune(conn)
            conn.execute(load_sql(_PKG, "generate_repayments.sql"),
                         {"worker": worker, "workers": WRITERS})

    with ThreadPoolExecutor(WRITERS) as pool:
        for done in [pool.submit(write, w) for w in range(WRITERS)]:
            done.result()


def _drop_work_schema(conn: psycopg.Connection) -> None:
    """After a failure: leave no work schema behind (the tables stay; reset=True drops them)."""
    with contextlib.suppress(psycopg.Error):
        conn.rollback()
        conn.execute("DROP SCHEMA IF EXISTS _refgen CASCADE")
        conn.commit()


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


