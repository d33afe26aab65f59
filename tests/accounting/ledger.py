"""Test data for the ledger: hand-made journal entries, loans booked in the ledger by SQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import Connection, text

D = Decimal


class Line(NamedTuple):
    account: str
    debit: Decimal
    credit: Decimal
    loan_id: str | None = None
    component: str | None = None


def dr(account: str, amount: str, loan_id: str | None = None) -> Line:
    return Line(account, D(amount), D(0), loan_id)


def cr(account: str, amount: str, loan_id: str | None = None) -> Line:
    return Line(account, D(0), D(amount), loan_id)


def entry(conn: Connection, on: str, *lines: Line, entry_type: str = "manual",
          loan_id: str | None = None, description: str = "test entry") -> int:
    """Insert one journal entry and its lines (checked for balance at commit)."""
    eid = conn.execute(text(
        "INSERT INTO journal_entries (entry_date, entry_type, loan_id, description, created_by) "
        "VALUES (:d, :t, :l, :desc, 'tester') RETURNING id"),
        {"d": dt.date.fromisoformat(on), "t": entry_type, "l": loan_id,
         "desc": description}).scalar_one()
    for x in lines:
        conn.execute(text(
            "INSERT INTO journal_entry_details (entry_id, account_code, loan_id, component, "
            "debit, credit) VALUES (:e, :a, :l, :c, :d, :k)"),
            {"e": eid, "a": x.account, "l": x.loan_id, "c": x.component, "d": x.debit,
             "k": x.credit})
    return int(eid)


def book_in_ledger(conn: Connection, *loan_ids: str) -> None:
    """Make loans (inserted with tests/metrics/book.py) loans of this ledger: a product and a
    loan_accounts row each, by SQL."""
    conn.execute(text(
        "INSERT INTO products (code, name, interest_method, annual_rate, frequency, created_by) "
        "VALUES ('BOOKED', 'Booked by SQL', 'flat', 0, 'daily', 'tester') "
        "ON CONFLICT DO NOTHING"))
    for loan_id in loan_ids:
        conn.execute(text(
            "INSERT INTO loan_accounts (loan_id, product_code, interest_method, annual_rate, "
            "fee_timing, allocation_order, created_by) VALUES (:l, 'BOOKED', 'flat', 0, "
            "'upfront', ARRAY['penalty', 'fee', 'interest', 'principal'], 'tester')"),
            {"l": loan_id})


def product(conn: Connection, code: str, frequency: str = "monthly", rate: str = "24",
            **kw: Any) -> None:
    """A flat-interest product (through the loan book's own service)."""
    from astrofinance.lending.products import Product, add_product

    add_product(conn, Product(code=code, name=code, interest_method="flat", annual_rate=D(rate),
                              frequency=frequency, **kw), "tester")


def lend(conn: Connection, loan_id: str, product_code: str, principal: str, n: int,
         disbursed: dt.date, customer_id: str = "C1") -> None:
    """A loan created, approved and disbursed through the loan book's services."""
    from astrofinance.lending.service import (
        LoanApplication,
        approve_loan,
        create_loan,
        disburse_loan,
    )
    from astrofinance.portfolio.customers import Customer, add_customer

    if not conn.execute(text("SELECT 1 FROM customers WHERE customer_id = :c"),
                        {"c": customer_id}).first():
        add_customer(conn, Customer(customer_id, f"Customer {customer_id}", "+2348012345678"),
                     "tester")
    create_loan(conn, LoanApplication(loan_id, customer_id, product_code, D(principal), n,
                                      disbursed), "tester")
    approve_loan(conn, loan_id, "approver")
    disburse_loan(conn, loan_id, "teller")


def rows(conn: Connection, sql: str, **params: Any) -> list[Any]:
    return list(conn.execute(text(sql), params).all())
