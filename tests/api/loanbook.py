"""Test data of the customers, loan-book and accounting API tests: two officers (OF1 ada, OF2
bola) supervised by sade, a product, a customer each and a disbursed loan each, made through
the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import text

from astrofinance.auth.context import act_as
from astrofinance.db import Database, session_scope
from astrofinance.lending.service import LoanApplication, approve_loan, create_loan, disburse_loan
from astrofinance.portfolio.customers import Customer, add_customer
from tests.lending.book import product

DISBURSED = dt.date(2025, 2, 28)
OFFICERS = {"OF1": "ada@example.ng", "OF2": "bola@example.ng"}
SUPERVISOR = "sade@example.ng"
CUSTOMERS = {"C1": ("Ngozi Eze", "08031110001", "OF1"), "C2": ("Tunde Bakare", "08032220002",
                                                              "OF2")}


def officers(db: Database) -> None:
    with session_scope(db) as conn:
        act_as(conn, "test")
        for officer_id, email in OFFICERS.items():
            conn.execute(text("INSERT INTO officers (officer_id, name, email, branch, "
                              "supervisor_email) VALUES (:o, :n, :e, 'Ikeja', :s)"),
                         {"o": officer_id, "n": f"Officer {officer_id}", "e": email,
                          "s": SUPERVISOR})


def book(db: Database, *, loans: bool = True) -> None:
    """Officers, product AJO (flat 36.5% a year, daily), customers C1 (OF1) and C2 (OF2) and,
    with loans, L1 (C1) and L2 (C2): 10,000.00 over 10 days, disbursed 2025-02-28."""
    officers(db)
    with session_scope(db) as conn:
        product(conn, "AJO", rate="36.5")
        for cid, (name, phone, officer) in CUSTOMERS.items():
            add_customer(conn, Customer(cid, name, phone, officer_id=officer, branch="Ikeja"),
                         "test")
        if loans:
            for loan_id, cid in (("L1", "C1"), ("L2", "C2")):
                create_loan(conn, LoanApplication(loan_id, cid, "AJO", Decimal("10000"), 10,
                                                  DISBURSED), "test")
                approve_loan(conn, loan_id, "test")
                disburse_loan(conn, loan_id, "test")


def officer_client(api, username: str = "ada"):
    """A loan officer whose scope is their own officer record (matched by email)."""
    return api.as_role("loan_officer", username=username,
                       email=OFFICERS["OF1" if username == "ada" else "OF2"])
