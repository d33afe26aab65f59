"""Test data for the loan book, made through its own services (no SQL shortcuts)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, text

from astrofinance.lending.products import Product, add_product
from astrofinance.lending.service import LoanApplication, approve_loan, create_loan, disburse_loan
from astrofinance.portfolio.customers import Customer, add_customer

D = Decimal
BY = "ada"


def product(conn: Connection, code: str = "P", method: str = "flat", rate: str = "0",
            frequency: str = "daily", **kw: Any) -> Product:
    return add_product(conn, Product(code=code, name=code, interest_method=method,
                                     annual_rate=D(rate), frequency=frequency, **kw), BY)


def customer(conn: Connection, customer_id: str = "C1") -> None:
    if not conn.execute(text("SELECT 1 FROM customers WHERE customer_id = :c"),
                        {"c": customer_id}).first():
        add_customer(conn, Customer(customer_id, "Ada Obi", "+2348012345678"), BY)


def disbursed_loan(conn: Connection, loan_id: str, product_code: str, principal: str, n: int,
                   disbursed: dt.date, first_due: dt.date | None = None) -> None:
    customer(conn)
    create_loan(conn, LoanApplication(loan_id, "C1", product_code, D(principal), n, disbursed,
                                      first_due), BY)
    approve_loan(conn, loan_id, "bola")
    disburse_loan(conn, loan_id, "bola")


def schedule(conn: Connection, loan_id: str) -> list[Any]:
    return list(conn.execute(text(
        "SELECT installment_no, due_date, principal_due, interest_due, fee_due, penalty_due, "
        "amount_due, amount_paid, payment_status, paid_on FROM vw_payment_schedules "
        "WHERE loan_id = :l ORDER BY installment_no"), {"l": loan_id}).all())


def balances(conn: Connection) -> dict[str, Decimal]:
    """Each account's balance, debit minus credit."""
    rows = conn.execute(text("SELECT account_code, sum(debit - credit) FROM journal_entry_details "
                             "GROUP BY account_code"))
    return {code: bal for code, bal in rows}


def book_figures(conn: Connection) -> dict[str, Decimal]:
    """What the loans booked here still owe, by the metrics engine, now."""
    row = conn.execute(text(
        "SELECT coalesce(sum(f.principal_outstanding), 0), coalesce(sum(f.fees_outstanding), 0), "
        "coalesce(sum(f.overpaid_amount), 0) "
        "FROM compute_loan_fields(business_today(), "
        "  ARRAY(SELECT la.loan_id FROM loan_accounts la JOIN loans l USING (loan_id) "
        "        WHERE l.status NOT IN ('Written Off', 'Pending', 'Cancelled'))) f")).one()
    return {"principal": row[0], "charges": row[1], "overpaid": row[2]}


def assert_books_balanced(conn: Connection) -> None:
    """Every entry balances; receivables and overpayments equal the book's figures."""
    unbalanced = conn.execute(text(
        "SELECT entry_id FROM journal_entry_details GROUP BY entry_id "
        "HAVING sum(debit) <> sum(credit)")).all()
    assert unbalanced == []
    bal = balances(conn)
    book = book_figures(conn)
    assert bal.get("1100", D(0)) == book["principal"]
    assert bal.get("1150", D(0)) == book["charges"]
    assert -bal.get("2100", D(0)) == book["overpaid"]
    assert sum(bal.values(), D(0)) == 0
