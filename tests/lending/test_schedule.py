"""generate_payment_schedule against independent computations (issue 4, item 3)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import text

from astrofinance.db import session_scope
from astrofinance.portfolio.holidays import add_holiday
from tests.lending.book import D, disbursed_loan, product, schedule

CENT = Decimal("0.01")


def annuity(principal: Decimal, annual_rate: Decimal, periods_per_year: int, n: int):
    """The declining-balance schedule by the annuity formula, worked in Python."""
    r = annual_rate / 100 / periods_per_year
    a = (principal * r / (1 - (1 + r) ** -n)).quantize(CENT, ROUND_HALF_UP)
    rows, balance = [], principal
    for k in range(1, n + 1):
        interest = (balance * r).quantize(CENT, ROUND_HALF_UP)
        prin = a - interest if k < n else balance
        rows.append((prin, interest))
        balance -= prin
    return rows


def test_hand_worked_three_periods(db):
    # 1,000 at 12% a year, monthly: r = 1%, A = 1000 x 0.01 / (1 - 1.01^-3) = 340.02;
    # interest 10.00, 6.70, 3.37 on balances 1000, 669.98, 336.66; the last takes 336.66
    with session_scope(db) as c:
        product(c, "M12", "declining_balance", "12", "monthly")
        disbursed_loan(c, "L1", "M12", "1000", 3, dt.date(2025, 1, 6))
        rows = schedule(c, "L1")
        total = c.execute(text("SELECT interest_amount, repayment_amount FROM loans "
                               "WHERE loan_id = 'L1'")).one()
    assert [(r.principal_due, r.interest_due, r.amount_due) for r in rows] == [
        (D("330.02"), D("10.00"), D("340.02")),
        (D("333.32"), D("6.70"), D("340.02")),
        (D("336.66"), D("3.37"), D("340.03"))]
    assert [r.due_date for r in rows] == [dt.date(2025, 2, 6), dt.date(2025, 3, 6),
                                          dt.date(2025, 4, 7)]  # Apr 6 is a Sunday: rolled
    assert total == (D("20.07"), D("1020.07"))


@pytest.mark.parametrize("principal, rate, frequency, per_year, n", [
    ("100000", "24", "monthly", 12, 12),
    ("250000.50", "36.5", "weekly", 52, 26),
    ("75000", "30", "biweekly", 26, 13),
    ("5000", "0", "monthly", 12, 5),
])
def test_declining_balance_matches_the_annuity_formula(db, principal, rate, frequency,
                                                       per_year, n):
    with session_scope(db) as c:
        product(c, "DB", "declining_balance", rate, frequency)
        disbursed_loan(c, "L1", "DB", principal, n, dt.date(2025, 1, 6))
        rows = schedule(c, "L1")
    if D(rate) == 0:
        first = (D(principal) / n).quantize(CENT, ROUND_DOWN)
        expected = [(first, D(0))] * (n - 1) + [(D(principal) - first * (n - 1), D(0))]
    else:
        expected = annuity(D(principal), D(rate), per_year, n)
    assert [(r.principal_due, r.interest_due) for r in rows] == expected
    assert sum(r.principal_due for r in rows) == D(principal)
    if frequency == "biweekly":
        assert (rows[1].due_date - rows[0].due_date).days in (14, 15, 16)


def test_flat_interest_over_the_days_to_the_last_due_date(db):
    # 12 weekly installments from 2025-01-13: last due 2025-03-31, 79 days after 2025-01-11
    with session_scope(db) as c:
        product(c, "FW", "flat", "30", "weekly", fee_rate=D("2"), fee_timing="spread")
        disbursed_loan(c, "L1", "FW", "50000", 12, dt.date(2025, 1, 11))
        rows = schedule(c, "L1")
        loan = c.execute(text("SELECT interest_amount, fee_amount, repayment_amount FROM loans "
                              "WHERE loan_id = 'L1'")).one()
    days = (rows[-1].due_date - dt.date(2025, 1, 11)).days
    assert rows[0].due_date == dt.date(2025, 1, 20)  # first due: a week after disbursement
    interest = (D(50000) * D("0.30") * days / 365).quantize(CENT, ROUND_HALF_UP)
    assert loan == (interest, D("1000.00"), D(50000) + interest + D("1000.00"))
    assert sum(r.interest_due for r in rows) == interest
    assert sum(r.fee_due for r in rows) == D("1000.00")
    assert sum(r.principal_due for r in rows) == D(50000)
    each = (interest / 12).quantize(CENT, ROUND_DOWN)
    assert all(r.interest_due == each for r in rows[:-1])
    assert rows[-1].interest_due == interest - 11 * each


def test_daily_loan_skips_a_holiday_and_counts_its_days(db):
    with session_scope(db) as c:
        add_holiday(c, dt.date(2025, 3, 5), "Company retreat")
        product(c, "AJO", "flat", "73", "daily")
        disbursed_loan(c, "L1", "AJO", "10000", 10, dt.date(2025, 2, 28))
        rows = schedule(c, "L1")
        interest = c.execute(text("SELECT interest_amount FROM loans WHERE loan_id = 'L1'")
                             ).scalar_one()
    dues = [r.due_date for r in rows]
    assert dues == [dt.date(2025, 3, d) for d in (3, 4, 6, 7, 10, 11, 12, 13, 14, 17)]
    # 73% a year over the 17 days from Feb 28 to Mar 17 = 10000 x 0.73 x 17/365 = 340.00
    assert interest == D("340.00")
    assert [r.amount_due for r in rows] == [D("1034.00")] * 10
