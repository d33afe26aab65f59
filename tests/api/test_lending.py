"""The loan book over HTTP: applications, approval, disbursement, payments with an
Idempotency-Key, reversals, charges, write-offs; who may do what; loan officers' scope."""

from __future__ import annotations

from sqlalchemy import text

from astrofinance.db import session_scope
from tests.api.live import Api
from tests.api.loanbook import book, officer_client
from tests.lending.book import assert_books_balanced

PAY = {"loan_id": "L1", "amount": "1014.00", "payment_date": "2025-03-03",
       "channel": "transfer", "reference": "TRF-1"}


def count(api: Api, sql: str, **params: object) -> int:
    with session_scope(api.db) as conn:
        return conn.execute(text(sql), params).scalar_one()


def test_a_loan_from_application_to_disbursement(api: Api) -> None:
    book(api.db, loans=False)
    manager = api.as_role("manager")
    r = manager.post("/loans", json={"loan_id": "L9", "customer_id": "C1",
                                     "product_code": "AJO", "principal": "10000",
                                     "installments": 10, "disbursement_date": "2025-02-28"})
    assert r.status_code == 201, r.text
    loan = r.json()["data"]["loan"]
    assert (loan["status"], loan["officer_id"], loan["created_by"]) == ("Pending", "OF1",
                                                                         "manager-user")
    assert manager.post("/loans/L9/disburse").status_code == 409       # not approved yet
    r = manager.post("/loans/L9/approve")
    assert r.status_code == 200 and r.json()["data"]["loan"]["approved_by"] == "manager-user"
    r = manager.post("/loans/L9/disburse", json={"date": "2025-02-28"})
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["loan"]["status"] == "Active" and data["loan"]["repayment_amount"] == "10140.00"
    assert isinstance(data["transaction_id"], int)
    assert manager.post("/loans/L9/approve").status_code == 409
    assert manager.post("/loans/NOPE/approve").status_code == 404
    again = manager.post("/loans", json={"loan_id": "L9", "customer_id": "C1",
                                         "product_code": "AJO", "principal": 5000,
                                         "installments": 10, "disbursement_date": "2025-02-28"})
    assert again.status_code == 409 and "already exists" in again.json()["message"]
    with session_scope(api.db) as conn:
        assert_books_balanced(conn)


def test_reject_and_cancel_close_applications(api: Api) -> None:
    book(api.db, loans=False)
    manager = api.as_role("manager")
    for loan_id in ("L7", "L8"):
        assert manager.post("/loans", json={
            "loan_id": loan_id, "customer_id": "C2", "product_code": "AJO",
            "principal": 5000, "installments": 5,
            "disbursement_date": "2025-02-28"}).status_code == 201
    r = manager.post("/loans/L7/reject", json={"reason": "no guarantor"})
    assert r.status_code == 200 and r.json()["data"]["loan"]["status"] == "Cancelled"
    assert r.json()["data"]["loan"]["close_reason"] == "no guarantor"
    r = manager.post("/loans/L8/cancel")
    assert r.status_code == 200 and r.json()["data"]["loan"]["status"] == "Cancelled"
    assert manager.post("/loans/L8/approve").status_code == 409


def test_payment_is_recorded_once_per_idempotency_key(api: Api) -> None:
    book(api.db)
    ada = officer_client(api)
    first = ada.post("/payments", json=PAY, headers={"Idempotency-Key": "pay-1"})
    assert first.status_code == 201, first.text
    paid = first.json()["data"]["payment"]
    assert paid["replayed"] is False and paid["amount"] == "1014.00"
    assert (paid["principal"], paid["interest"]) == ("1000.00", "14.00")
    again = ada.post("/payments", json={**PAY, "amount": 1014}, headers={"Idempotency-Key":
                                                                         "pay-1"})
    assert again.status_code == 201, again.text
    replay = again.json()["data"]["payment"]
    assert replay["replayed"] is True
    assert (replay["transaction_id"], replay["repayment_id"]) == (paid["transaction_id"],
                                                                  paid["repayment_id"])
    assert count(api, "SELECT count(*) FROM repayments WHERE loan_id = 'L1'") == 1
    assert count(api, "SELECT count(*) FROM journal_entries WHERE transaction_id = :t",
                 t=paid["transaction_id"]) == 1
    # the same key with another body is refused, and nothing more is recorded
    for other in ({**PAY, "amount": "1000.00"}, {**PAY, "payment_date": "2025-03-04"},
                  {**PAY, "reference": "TRF-2"}):
        r = ada.post("/payments", json=other, headers={"Idempotency-Key": "pay-1"})
        assert r.status_code == 409, (other, r.text)
        assert "different payment" in r.json()["message"]
    assert count(api, "SELECT count(*) FROM repayments") == 1
    # another key is another payment
    r = ada.post("/payments", json=PAY, headers={"Idempotency-Key": "pay-2"})
    assert r.status_code == 201 and r.json()["data"]["payment"]["transaction_id"] != \
        paid["transaction_id"]
    with session_scope(api.db) as conn:
        assert_books_balanced(conn)


def test_payment_input_is_checked(api: Api) -> None:
    book(api.db)
    manager = api.as_role("manager")
    r = manager.post("/payments", json=PAY)
    assert r.status_code == 422 and "idempotency-key" in r.json()["message"].lower()
    assert manager.post("/payments", json=PAY,
                        headers={"Idempotency-Key": "x" * 129}).status_code == 422
    for amount, reason in (("10.005", "more than 2 decimals"), (10.005, "more than 2 decimals"),
                           ("-5", "more than 0"), (0, "more than 0"), ("NaN", "finite"),
                           ("ten", "not an amount"), (True, "decimal string")):
        r = manager.post("/payments", json={**PAY, "amount": amount},
                         headers={"Idempotency-Key": f"bad-{amount}"})
        assert r.status_code == 422, (amount, r.text)
        problem = r.json()["error"]["details"][0]
        assert problem["field"] == "body.amount" and reason in problem["reason"], problem
    assert count(api, "SELECT count(*) FROM repayments") == 0
    r = manager.post("/payments", json={**PAY, "payment_date": "2025-02-01"},
                     headers={"Idempotency-Key": "early"})
    assert r.status_code == 422 and "before the disbursement" in r.json()["message"]
    r = manager.post("/payments", json={**PAY, "loan_id": "NOPE"},
                     headers={"Idempotency-Key": "nope"})
    assert r.status_code == 404


def test_loan_officer_acts_only_on_their_own_loans(api: Api) -> None:
    book(api.db)
    ada = officer_client(api)
    r = ada.post("/payments", json={**PAY, "loan_id": "L2"}, headers={"Idempotency-Key": "k2"})
    assert r.status_code == 404 and r.json()["message"] == "no loan L2"
    assert count(api, "SELECT count(*) FROM repayments") == 0
    assert ada.post("/loans/L2/cancel").status_code == 404
    other = ada.post("/loans", json={"loan_id": "L5", "customer_id": "C2",
                                     "product_code": "AJO", "principal": 5000,
                                     "installments": 5, "disbursement_date": "2025-02-28"})
    assert other.status_code == 404
    assigned = ada.post("/loans", json={"loan_id": "L5", "customer_id": "C1",
                                        "officer_id": "OF2", "product_code": "AJO",
                                        "principal": 5000, "installments": 5,
                                        "disbursement_date": "2025-02-28"})
    assert assigned.status_code == 403
    own = ada.post("/loans", json={"loan_id": "L5", "customer_id": "C1", "product_code": "AJO",
                                   "principal": 5000, "installments": 5,
                                   "disbursement_date": "2025-02-28"})
    assert own.status_code == 201 and own.json()["data"]["loan"]["officer_id"] == "OF1"
    refused = ada.post("/loans/L5/approve")                 # loan officers cannot approve
    assert refused.status_code == 403 and "loans.approve" in refused.json()["message"]
    assert ada.post("/loans/L5/cancel").status_code == 200
    assert ada.post("/payments", json=PAY, headers={"Idempotency-Key": "k1"}).status_code == 201


def test_reversal_needs_payments_reverse(api: Api) -> None:
    book(api.db)
    ada = officer_client(api)
    paid = ada.post("/payments", json=PAY, headers={"Idempotency-Key": "k1"}).json()["data"]
    rep = paid["payment"]["repayment_id"]
    refused = ada.post(f"/payments/{rep}/reverse", json={"reason": "bounced"})
    assert refused.status_code == 403 and "payments.reverse" in refused.json()["message"]
    manager = api.as_role("manager")
    r = manager.post(f"/payments/{rep}/reverse", json={"reason": "bounced"})
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["loan"]["loan_id"] == "L1" and data["loan"]["total_outstanding"] == "10140.00"
    assert count(api, "SELECT count(*) FROM repayments WHERE is_reversed") == 1
    again = manager.post(f"/payments/{paid['payment']['transaction_id']}/reverse")
    assert again.status_code == 409 and "already reversed" in again.json()["message"]
    assert manager.post("/payments/AF999999999/reverse").status_code == 404
    with session_scope(api.db) as conn:
        assert_books_balanced(conn)


def test_scoped_reversal_stays_in_scope(api: Api) -> None:
    """A scoped role granted payments.reverse still reaches only its own officers' loans."""
    book(api.db)
    paid = api.as_role("manager").post("/payments", json={**PAY, "loan_id": "L2"},
                                       headers={"Idempotency-Key": "k"}).json()["data"]
    with session_scope(api.db) as conn:
        conn.execute(text("INSERT INTO permissions VALUES ('loan_officer', 'payments.reverse')"))
    r = officer_client(api).post(f"/payments/{paid['payment']['repayment_id']}/reverse")
    assert r.status_code == 404
    assert count(api, "SELECT count(*) FROM repayments WHERE is_reversed") == 0


def test_charges_and_write_off(api: Api) -> None:
    book(api.db)
    ada, manager = officer_client(api), api.as_role("manager")
    charge = {"kind": "penalty", "amount": "50.00", "date": "2025-03-05", "note": "late"}
    assert ada.post("/loans/L1/charges", json=charge).status_code == 403
    r = manager.post("/loans/L1/charges", json=charge)
    assert r.status_code == 201, r.text
    assert r.json()["data"]["loan"]["repayment_amount"] == "10190.00"
    bad = manager.post("/loans/L1/charges", json={**charge, "kind": "bribe"})
    assert bad.status_code == 422
    assert ada.post("/loans/L1/write-off").status_code == 403
    r = manager.post("/loans/L1/write-off", json={"reason": "absconded"})
    assert r.status_code == 200 and r.json()["data"]["loan"]["status"] == "Written Off"
    assert manager.post("/loans/L1/write-off").status_code == 409
    with session_scope(api.db) as conn:
        assert_books_balanced(conn)


def test_the_loan_book_keeps_the_stored_fields_whole(api: Api) -> None:
    """After a recalculation, a disbursement or a payment recomputes that loan's fields as of
    the stored date, so the metrics stay readable and show the change at once."""
    book(api.db)                       # L1 and L2, disbursed
    manager = api.as_role("manager")
    as_of = "2025-03-10"
    assert manager.post("/loans/recalculate-fields", json={"as_of": as_of}).status_code == 200
    r = manager.post("/loans", json={"loan_id": "L9", "customer_id": "C1",
                                     "product_code": "AJO", "principal": "10000",
                                     "installments": 10, "disbursement_date": "2025-02-28"})
    assert r.status_code == 201, r.text
    assert manager.post("/loans/L9/approve").status_code == 200
    assert manager.post("/loans/L9/disburse", json={"date": "2025-02-28"}).status_code == 200
    portfolio = manager.get("/metrics/portfolio")
    assert portfolio.status_code == 200, portfolio.text
    assert portfolio.json()["data"]["loans_on_books"] == 3
    before = manager.get("/loans/L9").json()["data"]
    assert before["fields_as_of"] == as_of and before["current_dpd"] > 0
    r = manager.post("/payments", json={"loan_id": "L9", "amount": "5070.00",
                                        "payment_date": "2025-03-07"},
                     headers={"Idempotency-Key": "catch-up"})
    assert r.status_code == 201, r.text
    after = manager.get("/loans/L9").json()["data"]
    assert after["fields_as_of"] == as_of and after["current_dpd"] < before["current_dpd"]
