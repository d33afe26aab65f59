"""generate_loan_schedules (portfolio/sql/functions_schedule.sql): the rows of a generated
schedule against a plain Python working of metrics.md's rule, for every frequency, and the
loan's schedule state (the arrays the fields read) against those rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import text

from astrofinance.db import session_scope
from tests.metrics.book import add_holiday, add_loan, add_officer
from tests.metrics.reference import add_months, is_bd, roll, split

D = Decimal
FIRST = dt.date(2025, 3, 8)           # a Saturday: every frequency rolls it to Monday 10 ...
HOLIDAY = dt.date(2025, 3, 10)        # ... which is a holiday here, so to Tuesday 11


def expected_dates(frequency: str, n: int, holidays: set[dt.date]) -> list[dt.date]:
    if frequency == "daily":
        out, d = [], roll(FIRST, holidays)
        while len(out) < n:
            if is_bd(d, holidays):
                out.append(d)
            d += dt.timedelta(days=1)
        return out
    step = {"weekly": lambda k: FIRST + dt.timedelta(days=7 * k),
            "biweekly": lambda k: FIRST + dt.timedelta(days=14 * k),
            "monthly": lambda k: add_months(FIRST, k)}[frequency]
    return [roll(step(k), holidays) for k in range(n)]


def running(values: list[Decimal]) -> list[int]:
    total, out = D(0), []
    for v in values:
        total += v
        out.append(int(total * 100))
    return out


@pytest.mark.parametrize("frequency", ["daily", "weekly", "biweekly", "monthly"])
def test_generated_rows_and_state_follow_the_terms(db, frequency):
    n, principal, interest, fee = 7, D("1000.07"), D("333.33"), D("10.01")
    with session_scope(db) as c:
        add_officer(c)
        add_holiday(c, HOLIDAY.isoformat())
        loan = add_loan(c, principal=str(principal), interest=str(interest), fee=str(fee),
                        n=n, disbursed="2025-03-01", first_due=FIRST.isoformat(),
                        frequency=frequency)
        holidays = set(c.execute(text("SELECT holiday_date FROM holidays "
                                      "WHERE officer_id IS NULL")).scalars())
        rows = c.execute(text(
            "SELECT installment_no, due_date, principal_due, interest_due, fee_due, "
            "amount_due, cumulative_due FROM payment_schedules WHERE loan_id = :l "
            "ORDER BY installment_no"), {"l": loan}).all()
        state = c.execute(text("SELECT n, dues, cum, cum_fee, cum_int FROM "
                               "loan_schedule_state WHERE loan_id = :l"), {"l": loan}).one()

    dates = expected_dates(frequency, n, holidays)
    assert dates[0] == dt.date(2025, 3, 11)
    p, i, f = split(principal, n), split(interest, n), split(fee, n)
    amounts = [p[k] + i[k] + f[k] for k in range(n)]
    assert [r.installment_no for r in rows] == list(range(1, n + 1))
    assert [r.due_date for r in rows] == dates
    parts = [(r.principal_due, r.interest_due, r.fee_due) for r in rows]
    assert parts == list(zip(p, i, f, strict=True))
    assert [r.amount_due for r in rows] == amounts
    assert [int(r.cumulative_due * 100) for r in rows] == running(amounts)
    assert rows[-1].cumulative_due == principal + interest + fee
    # the state the fields read is the same schedule, as arrays in installment order
    assert state.n == n and list(state.dues) == dates
    assert list(state.cum) == running(amounts)
    assert list(state.cum_fee) == running(f) and list(state.cum_int) == running(i)


def test_regenerating_replaces_the_schedule_and_marks_the_loan(db):
    with session_scope(db) as c:
        add_officer(c)
        loan = add_loan(c, principal="700", n=7, disbursed="2025-03-01",
                        first_due="2025-03-03")
        c.execute(text("DELETE FROM stale_loans"))
        c.execute(text("UPDATE loans SET installments = 5 WHERE loan_id = :l"), {"l": loan})
        rows = c.execute(text("SELECT count(*), sum(amount_due) FROM payment_schedules "
                              "WHERE loan_id = :l"), {"l": loan}).one()
        state = c.execute(text("SELECT n, cum[n] FROM loan_schedule_state WHERE loan_id = :l"),
                          {"l": loan}).one()
        stale = c.execute(text("SELECT appended_from IS NULL FROM stale_loans "
                               "WHERE loan_id = :l"), {"l": loan}).scalar_one()
    assert tuple(rows) == (5, D("700.00")) and tuple(state) == (5, 70000) and stale
