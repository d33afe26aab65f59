"""Checks of the write routes. Scope (auth/scope.py): a loan or payment outside the caller's
scope is answered 404 like a missing one (never confirming it exists); giving work to an
officer outside it is 403. Idempotent payments: a retry must be the same payment."""

from __future__ import annotations

from fastapi import HTTPException
from sqlalchemy import Connection, text

from astrofinance.auth.tokens import Principal
from astrofinance.errors import Conflict, NotFound, ValidationFailed
from astrofinance.kit.sql import load_sql
from astrofinance.lending.service import PaymentResult

_PKG = "astrofinance.api"


def require_loan(conn: Connection, user: Principal, loan_id: str) -> None:
    """NotFound unless the loan is in the caller's scope (a missing loan is left to the
    service, which says so itself)."""
    if user.scope.everything:
        return
    found = conn.execute(text(load_sql(_PKG, "loan_officer")), {"loan_id": loan_id}).first()
    if found is None or not user.scope.allows(found[0]):
        raise NotFound(f"no loan {loan_id}")


def require_payment(conn: Connection, user: Principal, payment: str) -> str | None:
    """The loan of the payment (a transaction id, or a repayment id like AF000000001); NotFound
    unless that loan is in the caller's scope (a missing payment is left to the service for
    callers who see everything)."""
    by_id = payment.isdigit()
    found = conn.execute(text(load_sql(_PKG, "payment_loan")),
                         {"txn": int(payment) if by_id else None,
                          "rep": None if by_id else payment}).first()
    if not user.scope.everything and (found is None or not user.scope.allows(found[1])):
        raise NotFound(f"no payment {payment}")
    return None if found is None else found[0]


def require_officer(user: Principal, officer_id: str | None) -> None:
    """403 unless the caller may give work to this officer (no officer counts as outside)."""
    if not user.scope.allows(officer_id):
        who = f"officer {officer_id} is" if officer_id else "no officer is"
        raise HTTPException(403, f"{who} outside your scope: customers and loans you handle "
                                 "stay with your own officers")


def default_officer(user: Principal, officer_id: str | None) -> str | None:
    """The officer of a scoped caller's new customer: the one named (which must be in the
    scope), else the caller's own when they have exactly one."""
    ids = user.scope.officer_ids
    if ids is None:
        return officer_id
    if officer_id is None and len(ids) == 1:
        return ids[0]
    if officer_id is None:
        raise ValidationFailed("officer_id is required: name one of your officers")
    require_officer(user, officer_id)
    return officer_id


def same_details(conn: Connection, replayed: PaymentResult, channel: str | None,
                 reference: str | None, key: str) -> None:
    """Conflict when a replayed payment's channel or reference differ from the retry's (the
    service compares the loan, amount and date)."""
    first = conn.execute(text(load_sql(_PKG, "payment_details")),
                         {"rep": replayed.repayment_id}).one()
    if (first.channel, first.reference) != (channel, reference):
        raise Conflict(f"idempotency key {key} was used for a different payment "
                       f"(transaction {replayed.transaction_id})")
