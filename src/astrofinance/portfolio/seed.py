"""Demo portfolio generator (`astrofinance db seed`): a realistic Nigerian microfinance book.

Rows are built in Python from one `random.Random(seed)` (same seed, loan count, as-of date and
holidays: the same book) and bulk-loaded with COPY in one transaction; schedules are generated
set-based by generate_loan_schedules(). See seed_people, seed_loans and seed_behaviour.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from sqlalchemy import Connection, text

from astrofinance.auth.context import bulk_audit
from astrofinance.config import get_settings
from astrofinance.db.engine import Database, session_scope
from astrofinance.errors import Conflict, ValidationFailed
from astrofinance.kit.sql import load_sql
from astrofinance.portfolio.holidays import seed_holidays
from astrofinance.portfolio.seed_loans import (
    BOOK_DAYS,
    LOAN_COLUMNS,
    Calendar,
    LoanPlan,
    generate_loans,
)
from astrofinance.portfolio.seed_people import (
    CUSTOMER_COLUMNS,
    OFFICER_COLUMNS,
    CustomerBook,
    OfficerPicker,
    make_officers,
)

_PKG = "astrofinance.portfolio"
LOANS_PER_OFFICER = 80
MIN_OFFICERS = 6
CALENDAR_AHEAD_DAYS = 500   # the last due date of a loan disbursed on as_of is within this
BATCH = 2000                # loans per progress step / COPY write
REPAYMENT_COLUMNS = ("repayment_id", "loan_id", "payment_date", "payment_amount", "is_reversed",
                     "channel", "reference")


@dataclass
class SeedResult:
    """What `db seed` made (counts read back from the database)."""

    seed: int
    as_of: dt.date
    counts: dict[str, int]
    statuses: dict[str, int]
    waves: dict[str, int]
    profiles: Counter[str]
    loan_profiles: dict[str, str] = field(repr=False)
    holidays_added: int
    elapsed: float

    def summary(self) -> Table:
        """A Rich table of the counts and the time taken."""
        table = Table(title=f"Demo portfolio (seed {self.seed}, as of {self.as_of})",
                      show_header=False, title_justify="left")
        table.add_column(style="bold")
        table.add_column(justify="right")
        for key, n in self.counts.items():
            table.add_row(key, f"{n:,}")
        for status, n in sorted(self.statuses.items()):
            table.add_row(f"  loans {status}", f"{n:,}")
        for wave, n in sorted(self.waves.items()):
            table.add_row(f"  loans {wave}", f"{n:,}")
        for profile, n in sorted(self.profiles.items()):
            table.add_row(f"  behaviour {profile}", f"{n:,}")
        table.add_row("holidays added or updated", f"{self.holidays_added:,}")
        table.add_row("elapsed", f"{self.elapsed:.1f} s")
        return table


def seed_portfolio(db: Database, *, loans: int, seed: int, as_of: dt.date,
                   replace: bool = False) -> SeedResult:
    """Generate and store a demo book of `loans` loans as of `as_of` (one transaction)."""
    if loans < 1:
        raise ValidationFailed("--loans must be at least 1")
    if not dt.date(1992, 1, 1) <= as_of <= dt.date(2098, 12, 31):
        raise ValidationFailed(f"as-of date {as_of} is outside 1992-01-01..2098-12-31")
    started = time.perf_counter()
    rng = random.Random(seed)
    book_start = as_of - dt.timedelta(days=BOOK_DAYS + 10)
    last_day = as_of + dt.timedelta(days=CALENDAR_AHEAD_DAYS)
    with session_scope(db) as conn, _Phases(loans) as phases:
        with phases.step("checking the database"):
            bulk_audit(conn, f"demo seed: {loans} loans, seed {seed}, as of {as_of}")
            _clear_or_refuse(conn, replace)
            # large one-off INSERT ... SELECTs: compiling them costs more than it saves
            conn.execute(text("SET LOCAL jit = off"))
        with phases.step("holidays"):
            added = seed_holidays(conn, country=get_settings().country,
                                  years=list(range(book_start.year, last_day.year + 1)))
            cal = _load_calendar(conn, book_start, last_day)
        with phases.step("officers"):
            officers = make_officers(rng, max(MIN_OFFICERS, round(loans / LOANS_PER_OFFICER)),
                                     book_start, as_of)
            _copy(conn, "officers", OFFICER_COLUMNS, (o.row() for o in officers))
        customers = CustomerBook()
        plans = generate_loans(rng, loans, as_of, cal, OfficerPicker(officers), customers)
        loan_rows, loan_profiles = _stage_repayments(conn, rng, plans, phases)
        with phases.step("customers and loans"):
            _copy(conn, "customers", CUSTOMER_COLUMNS, customers.rows)
            _copy(conn, "loans", LOAN_COLUMNS, loan_rows)
        with phases.step("payment schedules"):
            conn.execute(text("ANALYZE officers, customers, loans, business_calendar"))
            conn.execute(text("SELECT generate_loan_schedules(NULL)"))
        with phases.step("repayments"):
            conn.execute(text(load_sql(_PKG, "seed_repayments")))
        with phases.step("analyze"):
            conn.execute(text("ANALYZE loans, payment_schedules, repayments"))
        counts, statuses, waves = _read_counts(conn)
    return SeedResult(seed, as_of, counts, statuses, waves, Counter(loan_profiles.values()),
                      loan_profiles, added, time.perf_counter() - started)


def _clear_or_refuse(conn: Connection, replace: bool) -> None:
    """Empty the demo tables (--replace), or refuse to seed over existing data."""
    if replace:
        entries = conn.execute(text("SELECT count(*) FROM journal_entries")).scalar_one()
        if entries:
            raise Conflict(f"this database keeps a ledger ({entries} journal entries): "
                           "--replace would erase it; seed a new database instead")
        conn.execute(text(load_sql(_PKG, "seed_reset")))
        return
    n = conn.execute(text("SELECT count(*) FROM loans")).scalar_one()
    others = conn.execute(text(
        "SELECT EXISTS (SELECT 1 FROM officers) OR EXISTS (SELECT 1 FROM customers)")).scalar_one()
    if n or others:
        raise Conflict(f"the database already holds a loan book ({n:,} loans); "
                       "run `astrofinance db seed --replace` to delete it and seed a new one")


def _load_calendar(conn: Connection, first: dt.date, last: dt.date) -> Calendar:
    days = conn.execute(text(
        "SELECT day, is_business_day FROM business_calendar WHERE day BETWEEN :a AND :b "
        "ORDER BY day"), {"a": first, "b": last}).all()
    holidays = conn.execute(text(
        "SELECT holiday_date FROM holidays WHERE officer_id IS NULL "
        "AND holiday_date BETWEEN :a AND :b"), {"a": first, "b": last}).scalars().all()
    return Calendar([(d, bd) for d, bd in days], set(holidays))


def _stage_repayments(conn: Connection, rng: random.Random, plans: Iterable[LoanPlan],
                      phases: _Phases) -> tuple[list[tuple], dict[str, str]]:
    """COPY each plan's repayments into a staging table; return the loan rows and profiles."""
    conn.execute(text(load_sql(_PKG, "seed_staging")))
    loan_rows: list[tuple] = []
    profiles: dict[str, str] = {}
    lines: list[str] = []
    next_id = 1
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with phases.step("generating loans and repayments", total=phases.loans) as advance, \
            cursor.copy(f"COPY _seed_repayments ({', '.join(REPAYMENT_COLUMNS)}) FROM STDIN") \
            as copy:
        for plan in plans:
            loan_rows.append(plan.row)
            profiles[plan.loan_id] = plan.profile
            for day, kobo, reversed_ in plan.payments:
                lines.append(f"RP{next_id:08d}\t{plan.loan_id}\t{_iso(day)}\t{_money(kobo)}\t"
                             f"{'t' if reversed_ else 'f'}\t{plan.channel}\t"
                             f"TRX{rng.getrandbits(48):012X}\n")
                next_id += 1
            if len(loan_rows) % BATCH == 0:
                copy.write("".join(lines))
                lines.clear()
                advance(BATCH)
        copy.write("".join(lines))
    return loan_rows, profiles


_ISO: dict[int, str] = {}


def _iso(ordinal: int) -> str:
    s = _ISO.get(ordinal)
    if s is None:
        s = _ISO[ordinal] = dt.date.fromordinal(ordinal).isoformat()
    return s


def _money(kobo: int) -> str:
    return f"{kobo // 100}.{kobo % 100:02d}"


def _cell(value: object) -> str:
    return "\\N" if value is None else str(value)


def _copy(conn: Connection, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    """COPY rows into a table (names from this module's constants only)."""
    money = {i for i, c in enumerate(columns) if c in _MONEY_COLUMNS}
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        buf: list[str] = []
        for row in rows:
            buf.append("\t".join(_money(v) if i in money else _cell(v)
                                 for i, v in enumerate(row)) + "\n")
            if len(buf) >= 10_000:
                copy.write("".join(buf))
                buf.clear()
        copy.write("".join(buf))


_MONEY_COLUMNS = {"loan_amount", "interest_amount", "fee_amount", "repayment_amount"}


def _read_counts(conn: Connection) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    groups: dict[str, dict[str, int]] = {"table": {}, "status": {}, "wave": {}}
    for kind, key, n in conn.execute(text(load_sql(_PKG, "seed_counts"))):
        groups[kind][key] = n
    return groups["table"], groups["status"], groups["wave"]


class _Phases:
    """A Rich progress display (stderr) with one line per phase of the seed."""

    def __init__(self, loans: int) -> None:
        self.loans = loans
        self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TimeElapsedColumn(),
                                 console=Console(stderr=True))

    def __enter__(self) -> _Phases:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    @contextlib.contextmanager
    def step(self, description: str, total: int = 1) -> Iterator:
        task = self.progress.add_task(description, total=total)
        yield lambda n: self.progress.advance(task, n)
        self.progress.update(task, completed=total)
