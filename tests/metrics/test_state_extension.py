"""A loan's paid-date state (loan_state) is extended, not rebuilt, when its only change is new
repayments dated after its last one (the daily case); an extended state must equal a rebuilt
one, and anything else (a backdated repayment, a correction, a reversal, a new schedule) must
ask for a rebuild."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import Connection, text

from tests.metrics import reference
from tests.metrics.book import add_loan, fields, pay
from tests.metrics.test_fields_properties import _SETTINGS, BASE, FIELDS, HOLIDAYS, _holidays

# loans small enough for the repayments to pay many installments, late and on time
cents = st.integers(min_value=1_00, max_value=600_00)
loans = st.fixed_dictionaries({
    "principal": st.integers(min_value=100_00, max_value=3_000_00).map(lambda c: Decimal(c) / 100),
    "interest": st.integers(min_value=0, max_value=600_00).map(lambda c: Decimal(c) / 100),
    "fee": st.integers(min_value=0, max_value=100_00).map(lambda c: Decimal(c) / 100),
    "n": st.integers(min_value=1, max_value=20),
    "freq": st.sampled_from(["daily", "daily", "weekly"]),
    "disb_offset": st.integers(min_value=0, max_value=30),
    "first_gap": st.integers(min_value=0, max_value=5),
    "payments": st.lists(st.tuples(st.integers(min_value=0, max_value=90),
                                   cents.map(lambda c: Decimal(c) / 100), st.booleans()),
                         min_size=1, max_size=25),
    "as_of_offset": st.integers(min_value=0, max_value=120),
})

STATE = ("paid", "late_max", "on_time", "marks", "repaid_total", "first_repayment_date",
         "last_repayment_date")


def _state(conn: Connection, loan: str) -> tuple:
    return tuple(conn.execute(text(f"SELECT {', '.join(STATE)} FROM loan_state "
                                   "WHERE loan_id = :l"), {"l": loan}).one())


def _marked(conn: Connection, loan: str) -> tuple[bool, dt.date | None]:
    """(is the loan waiting in stale_loans, its appended_from)."""
    row = conn.execute(text("SELECT appended_from FROM stale_loans WHERE loan_id = :l"),
                       {"l": loan}).one_or_none()
    return (row is not None, row[0] if row else None)


def _rebuild(conn: Connection, loan: str) -> None:
    conn.execute(text("INSERT INTO stale_loans AS s (loan_id) VALUES (:l) ON CONFLICT (loan_id) "
                      "DO UPDATE SET appended_from = NULL"), {"l": loan})
    conn.execute(text("SELECT refresh_loan_state(ARRAY[:l])"), {"l": loan})


@_SETTINGS
@given(case=loans, in_order=st.booleans(),
       cuts=st.lists(st.integers(min_value=1, max_value=99), min_size=1, max_size=5))
@example(case={"principal": Decimal("1000"), "interest": Decimal("0"), "fee": Decimal("0"),
               "n": 5, "freq": "daily", "disb_offset": 0, "first_gap": 3,
               "payments": [(0, Decimal("200"), False), (10, Decimal("800"), False)],
               "as_of_offset": 20},
         in_order=True, cuts=[50])
def test_extended_state_equals_a_rebuilt_one(db, case, in_order, cuts):
    """Repayments arrive in rounds (in date order, or as generated: some backdated, some
    reversed); after each round the state is brought up to date. At the end it equals a
    rebuild from all repayments, and the fields equal the reference implementation's."""
    disbursed = BASE + dt.timedelta(days=case["disb_offset"])
    first_due = disbursed + dt.timedelta(days=case["first_gap"])
    as_of = disbursed + dt.timedelta(days=case["as_of_offset"])
    # in date order, and reversed ones one in five
    payments = [(off, amount, reversed_ and off % 5 == 0) for off, amount, reversed_ in
                (sorted(case["payments"]) if in_order else case["payments"])]
    # rounds: cuts are percentages of the repayments
    bounds = [0, *sorted({len(payments) * c // 100 for c in cuts}), len(payments)]
    with db.begin() as conn:
        _holidays(conn)
        loan = add_loan(conn, principal=str(case["principal"]), interest=str(case["interest"]),
                        fee=str(case["fee"]), n=case["n"], frequency=case["freq"],
                        disbursed=disbursed.isoformat(), first_due=first_due.isoformat())
        fields(conn, loan, as_of.isoformat())  # the state, built before any repayment
        for lo, hi in zip(bounds, bounds[1:], strict=False):
            for off, amount, reversed_ in payments[lo:hi]:
                pay(conn, loan, (disbursed + dt.timedelta(days=off)).isoformat(), str(amount),
                    reversed=reversed_)
            got = fields(conn, loan, as_of.isoformat())
        extended = _state(conn, loan)
        _rebuild(conn, loan)
        assert extended == _state(conn, loan)
    kept = [(disbursed + dt.timedelta(days=off), amount)
            for off, amount, reversed_ in payments if not reversed_]
    expected = reference.fields(
        principal=case["principal"], interest=case["interest"], fee=case["fee"], n=case["n"],
        freq=case["freq"], disbursed=disbursed, first_due=first_due, payments=kept,
        as_of=as_of, holidays=HOLIDAYS, written_off_on=None)
    assert {k: got[k] for k in FIELDS} == {k: expected[k] for k in FIELDS}


def test_what_asks_for_an_extension_and_what_for_a_rebuild(db):
    with db.begin() as conn:
        loan = add_loan(conn, principal="10000", interest="2000", n=10,
                        disbursed="2025-02-28", first_due="2025-03-03")
        assert _marked(conn, loan) == (True, None)  # a new schedule: rebuilt
        pay(conn, loan, "2025-03-03", "1200")
        fields(conn, loan, "2025-03-12")
        assert _marked(conn, loan) == (False, None)

        # later repayments: an extension from the earliest of them
        pay(conn, loan, "2025-03-11", "3000")
        pay(conn, loan, "2025-03-05", "600")
        assert _marked(conn, loan) == (True, dt.date(2025, 3, 5))
        pay(conn, loan, "2025-03-06", "1", reversed=True)  # inserted reversed: changes nothing
        assert _marked(conn, loan) == (True, dt.date(2025, 3, 5))
        got = fields(conn, loan, "2025-03-12")  # the worked example of metrics.md
        assert (got["current_dpd"], got["max_dpd_ever"], str(got["timeliness_score"])) == (
            5, 6, "87.62")
        extended = _state(conn, loan)
        _rebuild(conn, loan)
        assert _state(conn, loan) == extended

        # a repayment dated on or before the state's last one: rebuilt
        pay(conn, loan, "2025-03-11", "100")
        fields(conn, loan, "2025-03-12")
        assert _marked(conn, loan) == (False, None)
        rid = pay(conn, loan, "2025-03-13", "100")
        assert _marked(conn, loan) == (True, dt.date(2025, 3, 13))
        # a correction of the amount, then a reversal: rebuilt, and stays so
        conn.execute(text("UPDATE repayments SET payment_amount = 150 WHERE repayment_id = :r"),
                     {"r": rid})
        assert _marked(conn, loan) == (True, None)
        pay(conn, loan, "2025-03-14", "100")
        assert _marked(conn, loan) == (True, None)
        fields(conn, loan, "2025-03-14")
        # an update of nothing the state depends on marks nothing
        conn.execute(text("UPDATE repayments SET channel = 'agent' WHERE repayment_id = :r"),
                     {"r": rid})
        assert _marked(conn, loan) == (False, None)
        pay(conn, loan, "2025-03-17", "100")
        conn.execute(text("UPDATE repayments SET is_reversed = true WHERE repayment_id = :r"),
                     {"r": rid})
        assert _marked(conn, loan) == (True, None)
        fields(conn, loan, "2025-03-17")

        # a new schedule after an extension was asked for: rebuilt
        pay(conn, loan, "2025-03-18", "100")
        assert _marked(conn, loan) == (True, dt.date(2025, 3, 18))
        conn.execute(text("UPDATE loans SET interest_amount = 2500, repayment_amount = 12500 "
                          "WHERE loan_id = :l"), {"l": loan})
        assert _marked(conn, loan) == (True, None)
        fields(conn, loan, "2025-03-18")
        rebuilt = _state(conn, loan)
        _rebuild(conn, loan)
        assert _state(conn, loan) == rebuilt
