"""The loan's life: create, approve, reject, cancel, disburse, pay, reverse, charge, write off.

Thin over the SQL functions of functions_lending.sql (one implementation of each rule, also
callable from psql); database rule errors become typed errors. Services flush, never commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, text

from astrofinance.db.sqlstate import rule_errors
from astrofinance.errors import NotFound
from astrofinance.kit.sql import load_sql

_PKG = "astrofinance.lending"


@dataclass
class LoanApplication:
    loan_id: str
    customer_id: str
    product_code: str
    principal: Decimal
    installments: int
    disbursement_date: dt.date
    first_due_date: dt.date | None = None
    officer_id: str | None = None
    channel: str | None = None


@dataclass
class PaymentResult:
    transaction_id: int
    repayment_id: str
    replayed: bool
    loan_status: str
    principal: Decimal
    interest: Decimal
    charges: Decimal
    overpayment: Decimal
    recovery: Decimal


def _call(conn: Connection, sql: str, **params: Any) -> Any:
    with rule_errors():
        return conn.execute(text(sql), params)


def create_loan(conn: Connection, app: LoanApplication, created_by: str) -> str:
    """Record a loan application (Pending) with the product's terms."""
    return _call(conn, "SELECT create_loan(:loan_id, :customer_id, :product_code, :principal, "
                       ":installments, :disbursement_date, :by, :first_due_date, :officer_id, "
                       ":channel)", by=created_by, **app.__dict__).scalar_one()


def approve_loan(conn: Connection, loan_id: str, by: str) -> None:
    """Approve a pending application."""
    _call(conn, "SELECT approve_loan(:l, :by)", l=loan_id, by=by)


def reject_loan(conn: Connection, loan_id: str, by: str, reason: str | None = None) -> None:
    """Reject an application not yet approved (the loan becomes Cancelled)."""
    _call(conn, "SELECT reject_loan(:l, :by, :r)", l=loan_id, by=by, r=reason)


def cancel_loan(conn: Connection, loan_id: str, by: str, reason: str | None = None) -> None:
    """Cancel a loan before disbursement."""
    _call(conn, "SELECT cancel_loan(:l, :by, :r)", l=loan_id, by=by, r=reason)


def disburse_loan(conn: Connection, loan_id: str, by: str,
                  date: dt.date | None = None) -> int:
    """Disburse an approved loan; returns the disbursement transaction's id."""
    return _call(conn, "SELECT disburse_loan(:l, :by, :d)", l=loan_id, by=by,
                 d=date).scalar_one()


def record_payment(conn: Connection, loan_id: str, amount: Decimal, date: dt.date, by: str, *,
                   key: str | None = None, channel: str | None = None,
                   reference: str | None = None) -> PaymentResult:
    """Record a repayment (once per idempotency key) and return how it was allocated."""
    row = _call(conn, "SELECT * FROM record_loan_payment(:l, :a, :d, :by, :k, :c, :r)",
                l=loan_id, a=amount, d=date, by=by, k=key, c=channel, r=reference).one()
    return PaymentResult(**row._mapping)


def reverse_payment(conn: Connection, payment: int | str, by: str,
                    reason: str | None = None) -> int:
    """Reverse a repayment, given its transaction id or its repayment id (AF000000001);
    returns the reversal transaction's id."""
    if isinstance(payment, str) and not payment.isdigit():
        found = conn.execute(text("SELECT id FROM transactions WHERE repayment_id = :r "
                                  "AND txn_type = 'repayment'"), {"r": payment}).scalar()
        if found is None:
            raise NotFound(f"no repayment {payment} recorded in the loan book")
        payment = found
    return _call(conn, "SELECT reverse_loan_payment(:t, :by, :r)", t=int(payment), by=by,
                 r=reason).scalar_one()


def charge_loan(conn: Connection, loan_id: str, kind: str, amount: Decimal, date: dt.date,
                by: str, *, installment_no: int | None = None, note: str | None = None) -> int:
    """Charge a fee or a penalty; returns the charge transaction's id."""
    return _call(conn, "SELECT charge_loan(:l, :k, :a, :d, :by, :i, :n)", l=loan_id, k=kind,
                 a=amount, d=date, by=by, i=installment_no, n=note).scalar_one()


def write_off_loan(conn: Connection, loan_id: str, by: str, date: dt.date | None = None,
                   reason: str | None = None) -> int:
    """Write a loan off; returns the write-off transaction's id."""
    return _call(conn, "SELECT write_off_loan(:l, :by, :d, :r)", l=loan_id, by=by, d=date,
                 r=reason).scalar_one()


def loan_overview(conn: Connection, loan_id: str) -> dict[str, Any]:
    """A loan's terms, lifecycle and live balances (vw_loan_summary), or NotFound."""
    row = conn.execute(text(load_sql(_PKG, "loan_overview")), {"l": loan_id}).mappings().first()
    if row is None:
        raise NotFound(f"no loan {loan_id}")
    return dict(row)


def loan_transactions(conn: Connection, loan_id: str) -> list[dict[str, Any]]:
    """A loan's transactions with their journal entry, oldest first."""
    rows = conn.execute(text(load_sql(_PKG, "loan_transactions")), {"l": loan_id}).mappings()
    return [dict(r) for r in rows]
