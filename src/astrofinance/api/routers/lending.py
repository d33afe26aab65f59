"""The loan book's actions: applications (create, approve, reject, cancel), disbursement,
charges, write-offs, payments (idempotent) and their reversal. Reading loans is
routers/loans.py's (GET /loans...); this router only POSTs.

Each action is the lending service's (one SQL function per rule); a loan or payment outside a
scoped caller's officers is 404. Every answer carries the loan's overview after the action.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Header, Request
from pydantic import Field
from sqlalchemy import Connection

from astrofinance.api.deps import Conn, allow
from astrofinance.api.envelope import ERROR_RESPONSES, Envelope, EnvelopeResponse, ok
from astrofinance.api.guards import (
    require_loan,
    require_officer,
    require_payment,
    same_details,
)
from astrofinance.api.money import Money
from astrofinance.api.query import Date, Strict
from astrofinance.auth.tokens import Principal
from astrofinance.lending import service
from astrofinance.metrics.service import refresh_loan_fields
from astrofinance.portfolio.customers import get_customer

router = APIRouter(tags=["loan book"], responses=ERROR_RESPONSES)
IdempotencyKey = Annotated[str, Header(
    min_length=1, max_length=128, pattern=r"^[\x20-\x7e]+$",
    description="1 to 128 printable characters, the same for every retry of one payment")]
Id = Annotated[str, Field(min_length=1, max_length=64)]
Note = Annotated[str | None, Field(None, max_length=500)]


class Application(Strict):
    loan_id: Id
    customer_id: Id
    product_code: Id
    principal: Money
    installments: int = Field(ge=1, le=10_000)
    disbursement_date: Date = Field(description="the planned disbursement date")
    first_due_date: Date | None = Field(default=None, description="default: one period after "
                                           "disbursement plus the product's grace days")
    officer_id: str | None = Field(None, max_length=64, description="default: the customer's")
    channel: str | None = Field(None, max_length=64)


class Reason(Strict):
    reason: Note = None


class Disbursement(Strict):
    date: Date | None = Field(default=None, description="default: the planned date")


class WriteOff(Strict):
    date: Date | None = Field(default=None, description="default: today")
    reason: Note = None


class Charge(Strict):
    kind: Literal["fee", "penalty"]
    amount: Money
    date: Date | None = Field(default=None, description="default: today")
    installment_no: int | None = Field(None, ge=1, description="default: the oldest not "
                                       "fully paid")
    note: Note = None


class Payment(Strict):
    loan_id: Id
    amount: Money
    payment_date: Date
    channel: str | None = Field(None, max_length=64)
    reference: str | None = Field(None, max_length=200)


ReasonBody = Annotated[Reason, Body()]


def _answer(conn: Connection, loan_id: str, message: str, status_code: int = 200,
            **extra: Any) -> EnvelopeResponse:
    return ok({**extra, "loan": service.loan_overview(conn, loan_id)}, message, status_code)


def _act(conn: Connection, user: Principal, loan_id: str, message: str,
         action: Callable[[], int | None], status_code: int = 200) -> EnvelopeResponse:
    """Do `action` on a loan in the caller's scope; the answer has the transaction it made
    (if any) and the loan after it."""
    require_loan(conn, user, loan_id)
    txn = action()
    refresh_loan_fields(conn, loan_id)
    return _answer(conn, loan_id, message, status_code,
                   **({} if txn is None else {"transaction_id": txn}))


@router.post("/loans", response_model=Envelope, status_code=201,
             summary="Create a loan application")
def create_loan(body: Application, conn: Conn, user: Principal = allow("loans.write")) -> Any:
    """A Pending loan with the product's terms; approve it, then disburse it. A scoped caller's
    customer (and officer, when given) must be in their scope."""
    get_customer(conn, body.customer_id, user.scope.officer_ids)       # 404 outside the scope
    if body.officer_id is not None and not user.scope.everything:
        require_officer(user, body.officer_id)
    service.create_loan(conn, service.LoanApplication(**body.model_dump()), user.name)
    return _answer(conn, body.loan_id, f"created loan {body.loan_id} (Pending)", 201)


@router.post("/loans/{loan_id}/approve", response_model=Envelope,
             summary="Approve a loan application")
def approve_loan(loan_id: str, conn: Conn, user: Principal = allow("loans.approve")) -> Any:
    return _act(conn, user, loan_id, f"approved loan {loan_id}",
                lambda: service.approve_loan(conn, loan_id, user.name))


@router.post("/loans/{loan_id}/reject", response_model=Envelope,
             summary="Reject a loan application")
def reject_loan(loan_id: str, conn: Conn, user: Principal = allow("loans.approve"),
                body: ReasonBody = Reason()) -> Any:
    """Refuse an application not yet approved (the loan becomes Cancelled)."""
    return _act(conn, user, loan_id, f"rejected loan {loan_id}",
                lambda: service.reject_loan(conn, loan_id, user.name, body.reason))


@router.post("/loans/{loan_id}/cancel", response_model=Envelope,
             summary="Cancel a loan before disbursement")
def cancel_loan(loan_id: str, conn: Conn, user: Principal = allow("loans.write"),
                body: ReasonBody = Reason()) -> Any:
    return _act(conn, user, loan_id, f"cancelled loan {loan_id}",
                lambda: service.cancel_loan(conn, loan_id, user.name, body.reason))


@router.post("/loans/{loan_id}/disburse", response_model=Envelope,
             summary="Disburse an approved loan")
def disburse_loan(loan_id: str, conn: Conn, user: Principal = allow("loans.approve"),
                  body: Annotated[Disbursement, Body()] = Disbursement()) -> Any:
    """Makes the schedule, the disbursement transaction and its journal entry."""
    return _act(conn, user, loan_id, f"disbursed loan {loan_id}",
                lambda: service.disburse_loan(conn, loan_id, user.name, body.date))


@router.post("/loans/{loan_id}/write-off", response_model=Envelope,
             summary="Write a loan off")
def write_off_loan(loan_id: str, conn: Conn, user: Principal = allow("loans.write_off"),
                   body: Annotated[WriteOff, Body()] = WriteOff()) -> Any:
    """Its principal and charges leave the books (later payments are recoveries)."""
    return _act(conn, user, loan_id, f"wrote off loan {loan_id}",
                lambda: service.write_off_loan(conn, loan_id, user.name, body.date,
                                               body.reason))


@router.post("/loans/{loan_id}/charges", response_model=Envelope, status_code=201,
             summary="Charge a fee or a penalty")
def charge_loan(request: Request, loan_id: str, body: Charge, conn: Conn,
                user: Principal = allow("accounting.post")) -> Any:
    """A fee or penalty added to an installment, posted to the ledger (accounting.post:
    managers and admins)."""
    day = body.date or request.app.state.settings.today()
    return _act(conn, user, loan_id, f"charged a {body.kind} of {body.amount} to loan {loan_id}",
                lambda: service.charge_loan(conn, loan_id, body.kind, body.amount, day,
                                            user.name, installment_no=body.installment_no,
                                            note=body.note), 201)


@router.post("/payments", response_model=Envelope, status_code=201,
             summary="Record a repayment (idempotent)")
def record_payment(body: Payment, conn: Conn, idempotency_key: IdempotencyKey,
                   user: Principal = allow("payments.post")) -> Any:
    """Records the payment and its journal entry, split by the product's allocation order, and
    answers how it was allocated. The same Idempotency-Key again returns the first recording
    (replayed: true) instead of recording twice; with a different body it is 409."""
    require_loan(conn, user, body.loan_id)
    result = service.record_payment(conn, body.loan_id, body.amount, body.payment_date,
                                    user.name, key=idempotency_key, channel=body.channel,
                                    reference=body.reference)
    if result.replayed:
        same_details(conn, result, body.channel, body.reference, idempotency_key)
    else:
        refresh_loan_fields(conn, body.loan_id)
    what = "payment already recorded" if result.replayed else "recorded payment"
    return _answer(conn, body.loan_id, f"{what} {result.repayment_id} on loan {body.loan_id}",
                   201, payment={**result.__dict__, "amount": body.amount,
                            "payment_date": body.payment_date})


@router.post("/payments/{payment_id}/reverse", response_model=Envelope,
             summary="Reverse a repayment")
def reverse_payment(payment_id: str, conn: Conn, user: Principal = allow("payments.reverse"),
                    body: ReasonBody = Reason()) -> Any:
    """`payment_id` is the payment's transaction id or its repayment id (AF000000001). The money
    stays recorded, marked reversed; a reversing journal entry undoes its allocation."""
    loan_id = require_payment(conn, user, payment_id)
    txn = service.reverse_payment(conn, payment_id, user.name, body.reason)
    assert loan_id is not None      # the service found the payment, so did require_payment
    refresh_loan_fields(conn, loan_id)
    return _answer(conn, loan_id, f"reversed payment {payment_id}", reversal_transaction_id=txn)
