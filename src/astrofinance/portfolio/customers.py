"""Customers: add, list and show (the borrowers of the loan book and of synced loans)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, text

from astrofinance.auth.context import act_as
from astrofinance.errors import Conflict, NotFound, ValidationFailed
from astrofinance.kit.sql import load_sql

_PKG = "astrofinance.portfolio"
_E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class Customer:
    customer_id: str
    name: str
    phone: str | None = None
    email: str | None = None
    officer_id: str | None = None
    branch: str | None = None
    state: str | None = None


def normalise_phone(phone: str, country_code: str = "234") -> str:
    """A phone number in E.164 form; a local Nigerian number 0XXXXXXXXXX gets +234."""
    p = re.sub(r"[\s().-]", "", phone)
    if p.startswith("00"):
        p = "+" + p[2:]
    if re.fullmatch(r"0[0-9]{10}", p):
        p = "+" + country_code + p[1:]
    if not _E164.match(p):
        raise ValidationFailed(f"phone {phone!r} is not a phone number (+2348012345678 or "
                               "08012345678)")
    return p


def add_customer(conn: Connection, customer: Customer, created_by: str) -> Customer:
    """Create a customer; the phone is stored in E.164 form."""
    problems = []
    if not customer.customer_id.strip():
        problems.append("id: required")
    if not customer.name.strip():
        problems.append("name: required")
    if customer.email and not _EMAIL.match(customer.email):
        problems.append(f"email {customer.email!r}: not an email address")
    if problems:
        raise ValidationFailed("customer is not valid", problems)
    if customer.phone:
        customer.phone = normalise_phone(customer.phone)
    if conn.execute(text("SELECT 1 FROM customers WHERE customer_id = :i"),
                    {"i": customer.customer_id}).first():
        raise Conflict(f"customer {customer.customer_id} already exists")
    if customer.officer_id and not conn.execute(
            text("SELECT 1 FROM officers WHERE officer_id = :o"),
            {"o": customer.officer_id}).first():
        raise NotFound(f"no officer {customer.officer_id}")
    act_as(conn, created_by)
    conn.execute(text(load_sql(_PKG, "customers_insert")), asdict(customer))
    return customer


def list_customers(conn: Connection, *, officer_id: str | None = None,
                   limit: int = 1000) -> list[dict[str, Any]]:
    """Customers with their loan counts, by id."""
    rows = conn.execute(text(load_sql(_PKG, "customers_list")),
                        {"officer_id": officer_id, "customer_id": None, "limit": limit})
    return [dict(r) for r in rows.mappings()]


def get_customer(conn: Connection, customer_id: str) -> dict[str, Any]:
    """One customer with its loan counts, or NotFound."""
    row = conn.execute(text(load_sql(_PKG, "customers_list")),
                       {"officer_id": None, "customer_id": customer_id, "limit": 1}
                       ).mappings().first()
    if row is None:
        raise NotFound(f"no customer {customer_id}")
    return dict(row)
