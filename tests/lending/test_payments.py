"""record_loan_payment, reversals, charges, write-offs (issue 4, items 4 and 6)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import text

from astrofinance.db import session_scope
from astrofinance.errors import Conflict, NotFound, ValidationFailed
from astrofinance.lending.service import (
    cancel_loan,
    charge_loan,
    record_payment,
    reverse_payment,
    write_off_loan,
)
from tests.lending.book import D, assert_books_balanced, balances, disbursed_loan, product, schedule

DAY = dt.date(2025, 3, 3)


def _ajo(c, loan_id="L1", **kw):
    """Daily loan 10,000 + 20% flat interest as 2,000 over 10 installments of 1,200."""
    if not c.execute(text("SELECT 1 FROM products WHERE code = 'AJO'")).first():
        # 2,000 over the 14 days from Feb 28 to Mar 14: rate = 20% x 365 / 14 a year
        product(c, "AJO", "flat", "521.4286", "daily", **kw)
    disbursed_loan(c, loan_id, "AJO", "10000", 10, dt.date(2025, 2, 28))


def test_allocation_oldest_installment_first_penalties_fees_interest_principal(db):
    with session_scope(db) as c:
        _ajo(c)
        assert [r.amount_due for r in schedule(c, "L1")] == [D("1200.00")] * 10
        r1 = record_payment(c, "L1", D("1500"), DAY, "ada")
        # installment 1 in full (200 interest, 1,000 principal), then 300 of installment 2:
        # its interest (200) first, then 100 of principal
        assert (r1.principal, r1.interest, r1.charges, r1.overpayment) == (
            D("1100.00"), D("400.00"), D(0), D(0))
        rows = schedule(c, "L1")
        assert [(r.payment_status, r.amount_paid) for r in rows[:3]] == [
            ("paid", D("1200.00")), ("partly_paid", D("300.00")), ("unpaid", D("0.00"))]
        assert rows[0].paid_on == DAY and rows[1].paid_on is None
        charge_loan(c, "L1", "penalty", D("50"), DAY, "ada")
        # the penalty sits on installment 2 (oldest not fully paid) and is paid first there
        assert schedule(c, "L1")[1].penalty_due == D("50.00")
        assert_books_balanced(c)


def test_overpayment_closes_the_loan_and_is_a_liability(db):
    with session_scope(db) as c:
        _ajo(c)
        r = record_payment(c, "L1", D("12500"), DAY, "ada")
        assert (r.loan_status, r.overpayment, r.principal, r.interest) == (
            "Closed", D("500.00"), D("10000.00"), D("2000.00"))
        assert c.execute(text("SELECT closed_on FROM loans WHERE loan_id='L1'")).scalar() == DAY
        assert balances(c)["2100"] == D("-500.00")
        assert_books_balanced(c)
    with pytest.raises(Conflict, match="loan L1 is closed"), session_scope(db) as c:
        record_payment(c, "L1", D("10"), DAY, "ada")


def test_a_product_can_collect_principal_before_interest(db):
    with session_scope(db) as c:
        _ajo(c, allocation_order=["principal", "interest", "penalty", "fee"])
        r = record_payment(c, "L1", D("1100"), DAY, "ada")
        assert (r.principal, r.interest) == (D("1000.00"), D("100.00"))
        fields = c.execute(text("SELECT principal_outstanding, interest_outstanding FROM "
                                "compute_loan_fields(DATE '2025-03-03', ARRAY['L1'])")).one()
        assert fields == (D("9000.00"), D("1900.00"))  # the metrics engine agrees
        assert_books_balanced(c)


@pytest.mark.parametrize("amount, day, error, message", [
    ("0", DAY, ValidationFailed, "payment amount must be a positive amount"),
    ("-5", DAY, ValidationFailed, "payment amount must be a positive amount"),
    ("10.001", DAY, ValidationFailed, "more than 2 decimals"),
    ("10", dt.date(2999, 1, 1), ValidationFailed, "is in the future"),
    ("10", dt.date(2025, 2, 1), ValidationFailed, "before the disbursement date"),
])
def test_bad_payments_are_refused_with_a_clear_message(db, amount, day, error, message):
    with session_scope(db) as c:
        _ajo(c)
    with pytest.raises(error, match=message), session_scope(db) as c:
        record_payment(c, "L1", D(amount), day, "ada")
    with session_scope(db) as c:
        assert c.execute(text("SELECT count(*) FROM repayments")).scalar() == 0


def test_unknown_pending_cancelled_and_foreign_loans_are_refused(db):
    from astrofinance.lending.service import LoanApplication, create_loan
    from tests.metrics.book import add_loan

    with session_scope(db) as c:
        _ajo(c)
        create_loan(c, LoanApplication("L2", "C1", "AJO", D("5000"), 5, DAY), "ada")
        create_loan(c, LoanApplication("L3", "C1", "AJO", D("5000"), 5, DAY), "ada")
        cancel_loan(c, "L3", "ada", "customer withdrew")
        add_loan(c, "SYNCED", principal="1000", n=2, disbursed="2025-02-28",
                 first_due="2025-03-03")
    for loan, error, message in [("NOPE", NotFound, "no loan NOPE"),
                                 ("L2", Conflict, "not disbursed yet"),
                                 ("L3", Conflict, "cancelled"),
                                 ("SYNCED", Conflict, "not booked in this ledger")]:
        with pytest.raises(error, match=message), session_scope(db) as c:
            record_payment(c, loan, D("10"), DAY, "ada")


def test_reversal_undoes_the_allocation_and_reopens_a_closed_loan(db):
    with session_scope(db) as c:
        _ajo(c)
        first = record_payment(c, "L1", D("1200"), DAY, "ada")
        second = record_payment(c, "L1", D("10800"), DAY + dt.timedelta(days=1), "ada")
        assert second.loan_status == "Closed"
        before = balances(c)
        reverse_payment(c, first.transaction_id, "bola", "bounced")
        status = c.execute(text("SELECT status, closed_on FROM loans WHERE loan_id='L1'")).one()
        assert status == ("Active", None)
        after = balances(c)
        assert after["1000"] == before["1000"] - D("1200")
        assert after["1100"] - before["1100"] + after["4000"] - before["4000"] == D("1200")
        assert_books_balanced(c)
        reversal = c.execute(text("SELECT created_by, note FROM transactions "
                                  "WHERE txn_type = 'reversal'")).one()
        assert reversal == ("bola", "bounced")
        assert [r.payment_status for r in schedule(c, "L1")][-2:] == ["paid", "unpaid"]
    with pytest.raises(Conflict, match="already reversed"), session_scope(db) as c:
        reverse_payment(c, first.transaction_id, "bola")


def test_write_off_then_recovery(db):
    with session_scope(db) as c:
        _ajo(c)
        record_payment(c, "L1", D("3000"), DAY, "ada")
        charge_loan(c, "L1", "fee", D("100"), DAY, "ada")
        write_off_loan(c, "L1", "bola", dt.date(2025, 4, 30), "uncollectable")
        bal = balances(c)
        assert bal["1100"] == 0 and bal["1150"] == 0
        # 3,000 paid installments 1-2 and 600 of 3; the fee (on 3) is collected first there:
        # principal repaid 2 x 1,000 + 300, the fee receivable is already collected
        principal_left = D("7700")
        assert bal["5200"] == principal_left
        r = record_payment(c, "L1", D("400"), dt.date(2025, 5, 2), "ada")
        assert (r.recovery, r.principal) == (D("400.00"), D(0))
        assert balances(c)["4300"] == D("-400.00")
        assert c.execute(text("SELECT written_off_principal FROM compute_loan_fields("
                              "DATE '2025-06-01', ARRAY['L1'])")).scalar() == principal_left
    with pytest.raises(Conflict, match="cannot write off loan L1: it is Written Off"), \
            session_scope(db) as c:
        write_off_loan(c, "L1", "bola")


def test_idempotency_key_records_once_under_concurrent_retries(db):
    with session_scope(db) as c:
        _ajo(c)
    results, errors = [], []

    def post() -> None:
        try:
            with session_scope(db) as conn:
                results.append(record_payment(conn, "L1", D("1200"), DAY, "ada", key="K-1"))
        except Exception as e:  # noqa: BLE001 - collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=post) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len({r.transaction_id for r in results}) == 1
    assert sorted(r.replayed for r in results) == [False] + [True] * 5
    with session_scope(db) as c:
        assert c.execute(text("SELECT count(*), sum(payment_amount) FROM repayments")).one() == (
            1, D("1200.00"))
    with pytest.raises(Conflict, match="was used for a different payment"), \
            session_scope(db) as c:
        record_payment(c, "L1", D("999"), DAY, "ada", key="K-1")


def test_a_synced_loan_is_read_only_in_the_loan_book_and_says_where_it_is_managed(db):
    """A loan the sync or an import brought (no loan account here) refuses every loan-book
    action with a 409 naming its system of record, and nothing is written."""
    from astrofinance.lending import service
    from tests.metrics.book import add_loan, add_officer

    with session_scope(db) as c:
        add_officer(c)
        loan = add_loan(c, "SYNCED-1", principal="1000", n=10, disbursed="2025-03-03",
                        first_due="2025-03-04", status="Pending")
        c.execute(text("UPDATE loans SET source_system = 'django-ajo' WHERE loan_id = :l"),
                  {"l": loan})
    actions = {
        "approve": lambda c: service.approve_loan(c, loan, "ops"),
        "cancel": lambda c: service.cancel_loan(c, loan, "ops", "duplicate"),
        "disburse": lambda c: service.disburse_loan(c, loan, "ops"),
    }
    for name, act in actions.items():
        with session_scope(db) as c, pytest.raises(Conflict) as e:
            act(c)
        assert "loan SYNCED-1 is not booked in this ledger: it comes from django-ajo (its " \
               "system of record), where it is approved, disbursed, paid and written off" \
               in str(e.value), name
    with session_scope(db) as c:
        assert c.execute(text("SELECT status FROM loans WHERE loan_id = :l"),
                         {"l": loan}).scalar_one() == "Pending"
