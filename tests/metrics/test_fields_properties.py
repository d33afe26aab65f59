"""Property tests: random loans and repayment histories against an independent reference
implementation (tests/metrics/reference.py) and the invariants metrics.md implies."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from astrofinance.metrics.service import FIELD_NAMES
from tests.metrics import reference
from tests.metrics.book import add_holiday, add_loan, fields, pay

BASE = dt.date(2025, 1, 6)
HOLIDAYS = {dt.date(2025, 1, 20), dt.date(2025, 2, 14), dt.date(2025, 3, 3)}
FIELDS = list(FIELD_NAMES)  # every per-loan field of metrics.md

money = st.integers(min_value=1, max_value=5_000_00).map(lambda c: Decimal(c) / 100)
loans = st.fixed_dictionaries({
    "principal": st.integers(min_value=100_00, max_value=500_000_00).map(
        lambda c: Decimal(c) / 100),
    "interest": st.integers(min_value=0, max_value=50_000_00).map(lambda c: Decimal(c) / 100),
    "fee": st.integers(min_value=0, max_value=2_000_00).map(lambda c: Decimal(c) / 100),
    "n": st.integers(min_value=1, max_value=40),
    "freq": st.sampled_from(["daily", "daily", "weekly", "monthly"]),
    "disb_offset": st.integers(min_value=0, max_value=60),
    "first_gap": st.integers(min_value=0, max_value=10),
    "payments": st.lists(st.tuples(st.integers(min_value=0, max_value=200), money,
                                   st.booleans()), max_size=25),
    "as_of_offset": st.integers(min_value=0, max_value=260),
    "write_off": st.one_of(st.none(), st.integers(min_value=0, max_value=200)),
})

_SETTINGS = settings(max_examples=60, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])


def _setup(conn, case) -> tuple[str, dict]:
    disbursed = BASE + dt.timedelta(days=case["disb_offset"])
    first_due = disbursed + dt.timedelta(days=case["first_gap"])
    as_of = disbursed + dt.timedelta(days=case["as_of_offset"])
    wo = disbursed + dt.timedelta(days=case["write_off"]) if case["write_off"] is not None else None
    loan = add_loan(conn, principal=str(case["principal"]), interest=str(case["interest"]),
                    fee=str(case["fee"]), n=case["n"], frequency=case["freq"],
                    disbursed=disbursed.isoformat(), first_due=first_due.isoformat(),
                    status="Written Off" if wo else "Active",
                    written_off_on=wo.isoformat() if wo else None)
    kept = []
    for off, amount, reversed_ in case["payments"]:
        on = disbursed + dt.timedelta(days=off)
        pay(conn, loan, on.isoformat(), str(amount), reversed=reversed_)
        if not reversed_:
            kept.append((on, amount))
    expected = reference.fields(
        principal=case["principal"], interest=case["interest"], fee=case["fee"], n=case["n"],
        freq=case["freq"], disbursed=disbursed, first_due=first_due, payments=kept,
        as_of=as_of, holidays=HOLIDAYS, written_off_on=wo)
    return loan, {"as_of": as_of.isoformat(), "expected": expected}


def _holidays(conn) -> None:
    if not conn.execute(text("SELECT count(*) FROM holidays")).scalar_one():
        for h in sorted(HOLIDAYS):
            add_holiday(conn, h.isoformat())


@_SETTINGS
@given(case=loans)
def test_fields_match_the_reference_and_invariants_hold(db, case):
    with db.begin() as conn:
        _holidays(conn)
        loan, info = _setup(conn, case)
        got = fields(conn, loan, info["as_of"])
    exp = info["expected"]
    assert {k: got[k] for k in FIELDS} == {k: exp[k] for k in FIELDS}
    assert (got["principal_outstanding"] + got["interest_outstanding"]
            + got["fees_outstanding"]) == got["actual_outstanding"]
    assert got["current_dpd"] >= 0
    assert got["max_dpd_ever"] >= got["current_dpd"]


@_SETTINGS
@given(case=loans)
def test_recalculating_twice_changes_nothing(db, case):
    with db.begin() as conn:
        _holidays(conn)
        loan, info = _setup(conn, case)
        sql = text("SELECT * FROM recalculate_all_loan_fields(:t, ARRAY[:l])")
        first = conn.execute(sql, {"t": info["as_of"], "l": loan}).one()
        row1 = conn.execute(text("SELECT * FROM loans WHERE loan_id = :l"), {"l": loan}).one()
        second = conn.execute(sql, {"t": info["as_of"], "l": loan}).one()
        row2 = conn.execute(text("SELECT * FROM loans WHERE loan_id = :l"), {"l": loan}).one()
    assert first.loans_updated == 1 and second.loans_updated == 0
    assert row1 == row2


@_SETTINGS
@given(case=loans, cut=st.integers(min_value=0, max_value=260))
def test_result_as_of_t_ignores_repayments_after_t(db, case, cut):
    with db.begin() as conn:
        _holidays(conn)
        loan, info = _setup(conn, case)
        as_of = dt.date.fromisoformat(info["as_of"])
        t = min(as_of, dt.date.fromisoformat(info["as_of"]) - dt.timedelta(days=cut % 30))
        before = fields(conn, loan, t.isoformat())
        conn.execute(text("DELETE FROM repayments WHERE loan_id = :l AND payment_date > :t"),
                     {"l": loan, "t": t})
        after = fields(conn, loan, t.isoformat())
    assert {k: before[k] for k in FIELDS} == {k: after[k] for k in FIELDS}
