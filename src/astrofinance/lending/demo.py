"""A small demo loan book: loans originated, paid, charged, reversed and written off through
the loan book's own functions, so the ledger and its reports have something to show."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from sqlalchemy import Connection, text

from astrofinance.lending.products import Product, add_product
from astrofinance.lending.service import (
    LoanApplication,
    approve_loan,
    charge_loan,
    create_loan,
    disburse_loan,
    record_payment,
    reverse_payment,
    write_off_loan,
)

BY = "demo"
PRODUCTS = [
    Product(code="AJO-DAILY", name="Ajo daily", interest_method="flat", annual_rate=Decimal(60),
            frequency="daily", min_principal=Decimal(5000), max_principal=Decimal(300000),
            max_installments=60, fee_rate=Decimal("1.5"), fee_timing="upfront"),
    Product(code="SME-MONTHLY", name="SME monthly", interest_method="declining_balance",
            annual_rate=Decimal(30), frequency="monthly", min_principal=Decimal(50000),
            max_installments=12, fee_flat=Decimal(1000), fee_timing="spread", grace_days=7),
]


def book_demo_loans(conn: Connection, as_of: dt.date, count: int = 30, seed: int = 42) -> int:
    """Originate `count` loans for existing customers; returns how many were booked."""
    if conn.execute(text("SELECT 1 FROM loan_accounts LIMIT 1")).first():
        return 0
    rng = random.Random(seed)
    for p in PRODUCTS:
        if not conn.execute(text("SELECT 1 FROM products WHERE code = :c"), {"c": p.code}).first():
            add_product(conn, p, BY)
    customers = list(conn.execute(text("SELECT customer_id FROM customers ORDER BY customer_id "
                                       "LIMIT :n"), {"n": count}).scalars())
    for i, customer in enumerate(customers, 1):
        _one_loan(conn, f"AF-L{i:04d}", customer, rng, as_of)
    return len(customers)


def _one_loan(conn: Connection, loan_id: str, customer: str, rng: random.Random,
              as_of: dt.date) -> None:
    daily = rng.random() < 0.7
    code = "AJO-DAILY" if daily else "SME-MONTHLY"
    principal = Decimal(rng.choice([20000, 50000, 100000]) * (1 if daily else 3))
    n = 20 if daily else 6
    disbursed = as_of - dt.timedelta(days=rng.randint(10, 150 if not daily else 40))
    create_loan(conn, LoanApplication(loan_id, customer, code, principal, n, disbursed), BY)
    approve_loan(conn, loan_id, BY)
    disburse_loan(conn, loan_id, BY)
    behaviour = rng.choices(["good", "late", "stopped", "never"], [5, 2, 2, 1])[0]
    dues = conn.execute(text("SELECT due_date, amount_due FROM payment_schedules "
                             "WHERE loan_id = :l AND due_date <= :t ORDER BY installment_no"),
                        {"l": loan_id, "t": as_of}).all()
    if behaviour == "stopped":
        dues = dues[: len(dues) // 2]
    elif behaviour == "never":
        dues = []
    step = 5 if daily else 1
    paid = []
    for k in range(0, len(dues), step):
        chunk = dues[k:k + step]
        when = min(as_of, chunk[-1].due_date + dt.timedelta(days=7 if behaviour == "late" else 0))
        amount = sum((d.amount_due for d in chunk), Decimal(0))
        paid.append(record_payment(conn, loan_id, amount, when, BY,
                                   key=f"demo-{loan_id}-{k}").transaction_id)
    still_open = conn.execute(text("SELECT status = 'Active' FROM loans WHERE loan_id = :l"),
                              {"l": loan_id}).scalar_one()
    if behaviour == "late" and dues and still_open:   # a loan paid in full takes no charge
        charge_loan(conn, loan_id, "penalty", Decimal(500), dues[-1].due_date, BY,
                    note="late payment")
    if paid and rng.random() < 0.1:
        reverse_payment(conn, paid[-1], BY, "payment bounced")
    if behaviour == "never" and (as_of - disbursed).days > 60:
        write_off_loan(conn, loan_id, BY, as_of, "no payment in 60 days")
