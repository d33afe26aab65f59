"""Demo loans: terms, due dates, simulated repayments and the status they lead to.

Due dates follow shared/spec/metrics.md exactly as generate_loan_schedules() builds them, from
the same business_calendar rows, so the simulated payments line up with the stored schedule.
Money is integer kobo, dates are ordinals.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

from astrofinance.portfolio.seed_behaviour import (
    PROFILES,
    LoanCtx,
    stratified_profiles,
    with_reversal,
)
from astrofinance.portfolio.seed_data import LOAN_CHANNELS, PRODUCTS, REPAYMENT_CHANNELS
from astrofinance.portfolio.seed_people import CustomerBook, OfficerPicker, weighted

BOOK_DAYS = 548           # loans are disbursed over the ~18 months before as_of
PENDING_DAYS = 5          # pending loans: disbursement planned within the last few days
WRITE_OFF_DPD = 180       # written off after this many days past due (some of them)
DEFAULT_DPD = 90          # marked defaulted after this many days past due (some of them)


class Calendar:
    """Business days (from business_calendar) and company-wide holidays, as ordinals."""

    def __init__(self, days: list[tuple[dt.date, bool]], holidays: set[dt.date]) -> None:
        self.first = days[0][0].toordinal()
        self.flags = [bd for _, bd in days]
        self.bdays = [d.toordinal() for d, bd in days if bd]
        self.holidays = frozenset(h.toordinal() for h in holidays)

    def is_business(self, day: int) -> bool:
        return self.flags[day - self.first]

    def next_bd(self, day: int) -> int:
        return self.bdays[bisect.bisect_left(self.bdays, day)]

    def prev_bd(self, day: int) -> int:
        return self.bdays[bisect.bisect_right(self.bdays, day) - 1]

    def due_dates(self, frequency: str, first_due: dt.date, n: int) -> list[int]:
        """The schedule's due dates (metrics.md, "Schedule")."""
        if frequency == "daily":
            start = bisect.bisect_left(self.bdays, first_due.toordinal())
            return self.bdays[start:start + n]
        if frequency == "weekly":
            return [self.next_bd(first_due.toordinal() + 7 * k) for k in range(n)]
        return [self.next_bd(add_months(first_due, k).toordinal()) for k in range(n)]


def add_months(day: dt.date, months: int) -> dt.date:
    """day + months, the day clamped to the end of a shorter month (as PostgreSQL does)."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return day.replace(year=year, month=month,
                       day=min(day.day, calendar.monthrange(year, month)[1]))


@dataclass
class Terms:
    frequency: str
    product: str
    n: int
    principal: int      # kobo
    interest: int
    fee: int

    @property
    def total(self) -> int:
        return self.principal + self.interest + self.fee

    def expected(self) -> list[int]:
        """Expected payment per installment: total / n rounded half-up; the last the rest."""
        each = (2 * self.total + self.n) // (2 * self.n)
        return [each] * (self.n - 1) + [self.total - (self.n - 1) * each]

    def cumulative_due(self, i: int) -> int:
        """Sum of the schedule amounts a_1..a_(i+1) (components truncated, last the rest)."""
        if i >= self.n - 1:
            return self.total
        unit = sum(c // self.n for c in (self.principal, self.interest, self.fee))
        return (i + 1) * unit


def draw_terms(rng: random.Random) -> Terms:
    """Frequency, product, installments and money of one loan."""
    freq, product, _, (n_lo, n_hi), (p_lo, p_hi) = rng.choices(
        PRODUCTS, weights=[p[2] for p in PRODUCTS])[0]
    naira = math.exp(rng.uniform(math.log(p_lo), math.log(p_hi)))
    principal = max(p_lo, min(p_hi, round(naira / 100) * 100))
    interest = principal * rng.randint(10, 30) // 100
    fee = principal * rng.choice((1, 2)) // 100 if rng.random() < 0.4 else 0
    return Terms(freq, product, rng.randint(n_lo, n_hi), principal * 100, interest * 100,
                 fee * 100)


def first_due(frequency: str, disbursed: dt.date) -> dt.date:
    """Next day, one week or one month after disbursement."""
    if frequency == "daily":
        return disbursed + dt.timedelta(days=1)
    if frequency == "weekly":
        return disbursed + dt.timedelta(days=7)
    return add_months(disbursed, 1)


@dataclass
class LoanPlan:
    """One generated loan: its row values and its repayments (date, kobo, reversed)."""

    loan_id: str
    row: tuple
    profile: str
    status: str
    channel: str
    payments: list[tuple[int, int, bool]]


LOAN_COLUMNS = ("loan_id", "customer_id", "officer_id", "product", "channel", "loan_amount",
                "interest_amount", "fee_amount", "repayment_amount", "installments", "frequency",
                "disbursement_date", "first_payment_due_date", "status", "written_off_on",
                "closed_on")


def generate_loans(rng: random.Random, count: int, as_of: dt.date, cal: Calendar,
                   officers: OfficerPicker, customers: CustomerBook) -> Iterator[LoanPlan]:
    """`count` loans with their repayments, deterministic for the rng's seed."""
    for i, profile in enumerate(stratified_profiles(rng, count), start=1):
        yield _one_loan(rng, f"LN{i:07d}", profile, as_of, cal, officers, customers)


def _one_loan(rng: random.Random, loan_id: str, profile: str, as_of: dt.date, cal: Calendar,
              officers: OfficerPicker, customers: CustomerBook) -> LoanPlan:
    terms = draw_terms(rng)
    back = rng.randint(0, PENDING_DAYS) if profile == "pending" else \
        int(BOOK_DAYS * rng.random() ** 1.3)
    disbursed = dt.date.fromordinal(cal.prev_bd(as_of.toordinal() - back))
    officer = officers.pick(rng, disbursed)
    customer = customers.customer_for(rng, officer)
    due = first_due(terms.frequency, disbursed)
    channel = weighted(rng, LOAN_CHANNELS)
    pay_channel = weighted(rng, REPAYMENT_CHANNELS)
    if profile in PROFILES:
        payments, status, written_off, closed = _repay(rng, profile, terms, disbursed, due,
                                                       as_of, cal)
    else:  # pending or cancelled: no repayments
        payments, status, written_off, closed = [], profile.title(), None, None
    row = (loan_id, customer, officer.officer_id, terms.product, channel,
           terms.principal, terms.interest, terms.fee, terms.total, terms.n, terms.frequency,
           disbursed, due, status, written_off, closed)
    return LoanPlan(loan_id, row, profile, status, pay_channel, payments)


def _repay(rng: random.Random, profile: str, terms: Terms, disbursed: dt.date, due: dt.date,
           as_of: dt.date, cal: Calendar) -> tuple[list[tuple[int, int, bool]], str,
                                                   dt.date | None, dt.date | None]:
    """The loan's repayments by as_of, its status, write-off date and closing date."""
    dues = cal.due_dates(terms.frequency, due, terms.n)
    ctx = LoanCtx(rng, disbursed.toordinal(), dues, terms.expected(), cal.is_business,
                  cal.holidays)
    made = [(d, a) for d, a in PROFILES[profile](ctx) if d <= as_of.toordinal()]
    status, written_off = _status(rng, terms, dues, made, as_of)
    last_day = (written_off or as_of).toordinal()
    payments = with_reversal(rng, [p for p in made if p[0] <= last_day], last_day)
    closed = None
    if status == "Closed":
        closed = dt.date.fromordinal(max(d for d, _, rev in payments if not rev))
    return payments, status, written_off, closed


def _status(rng: random.Random, terms: Terms, dues: list[int], payments: list[tuple[int, int]],
            as_of: dt.date) -> tuple[str, dt.date | None]:
    """Closed when fully repaid; long arrears end Written Off or Defaulted (some); else Active.

    Returns the status and, for a write-off, its date (payments after it are dropped).
    """
    paid = sum(a for _, a in payments)
    if paid >= terms.total:
        return "Closed", None
    j = 0
    while terms.cumulative_due(j) <= paid:
        j += 1
    dpd = max(0, as_of.toordinal() - dues[j])
    if dpd > WRITE_OFF_DPD and rng.random() < 0.7:
        extra = rng.randint(0, min(60, dpd - WRITE_OFF_DPD - 1))
        return "Written Off", dt.date.fromordinal(dues[j] + WRITE_OFF_DPD + extra)
    if dpd > DEFAULT_DPD and rng.random() < 0.5:
        return "Defaulted", None
    return "Active", None
