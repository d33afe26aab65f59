"""Customers: add, change, list, search and show (the borrowers of the loan book and of synced
loans). A scope (the officer ids a caller may see, None for all) limits lists and lookups: a
customer outside it is not found, like a missing one."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from sqlalchemy import Connection, text

from astrofinance.auth.context import act_as
from astrofinance.errors import Conflict, NotFound, ValidationFailed
from astrofinance.kit.sql import contains_pattern, load_sql

_PKG = "astrofinance.portfolio"
_E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

OfficerIds = tuple[str, ...] | None
"""The officers whose customers a caller sees (auth/scope.py): None = all; () = none."""


@dataclass
class Customer:
    customer_id: str
    name: str
    phone: str | None = None
    email: str | None = None
    officer_id: str | None = None
    branch: str | None = None
    state: str | None = None


EDITABLE = frozenset(f.name for f in fields(Customer)) - {"customer_id"}
"""What update_customer may change (not the id: loans refer to it)."""

SEARCH_SQL = ("(c.customer_id ILIKE :q_like ESCAPE '\\' OR c.name ILIKE :q_like ESCAPE '\\' "
              "OR c.phone LIKE CAST(:q_phone AS text))")
"""A customer search over `customers c` (its values: search_terms); the loans list's q uses
it too, so a name or phone finds the same customers in both."""

_FILTERS: dict[str, str] = {
    "customer_id": "c.customer_id = :customer_id",
    "q": SEARCH_SQL,
    "officer_id": "c.officer_id = :officer_id",
    "branch": "c.branch = :branch",
    "scope": "c.officer_id = ANY(:scope)",
}
"""Filter names -> SQL (the only text a filter can become; every value is bound)."""


@dataclass(frozen=True)
class CustomerFilters:
    """q: a piece of the id or name (any case), or of the phone number (its digits, a local
    0 or the 234 country code left off, so 0803 finds +234803...)."""

    q: str | None = None
    officer_id: str | None = None
    branch: str | None = None
    customer_id: str | None = None
    scope: OfficerIds = None

    def sql(self) -> tuple[str, dict[str, Any]]:
        """The AND clauses over `customers c` and their bound values."""
        params: dict[str, Any] = {k: v for k, v in asdict(self).items() if v is not None}
        if "scope" in params:
            params["scope"] = list(params["scope"])
        if self.q is not None:
            params.update(search_terms(self.q))
        return "".join(f"\n  AND {_FILTERS[n]}" for n in params if n in _FILTERS), params


def search_terms(q: str) -> dict[str, str | None]:
    """SEARCH_SQL's values for q: a piece of the id or name (any case), or of the phone number
    (its digits, a local 0 or the 234 country code left off, so 0803 finds +234803...)."""
    q = q.strip()
    digits = re.sub(r"^(0|234)", "", re.sub(r"\D", "", q))
    return {"q_like": contains_pattern(q), "q_phone": f"%{digits}%" if len(digits) >= 3
            else None}


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


def _checked(conn: Connection, customer: Customer) -> Customer:
    """The customer with its phone in E.164 form, or ValidationFailed (every problem) or
    NotFound (its officer)."""
    problems = []
    if not customer.customer_id.strip():
        problems.append("id: required")
    if not (customer.name or "").strip():
        problems.append("name: required")
    if customer.email and not _EMAIL.match(customer.email):
        problems.append(f"email {customer.email!r}: not an email address")
    if problems:
        raise ValidationFailed("customer is not valid", problems)
    if customer.phone:
        customer = replace(customer, phone=normalise_phone(customer.phone))
    if customer.officer_id and not conn.execute(
            text("SELECT 1 FROM officers WHERE officer_id = :o"),
            {"o": customer.officer_id}).first():
        raise NotFound(f"no officer {customer.officer_id}")
    return customer


def add_customer(conn: Connection, customer: Customer, created_by: str) -> Customer:
    """Create a customer; the phone is stored in E.164 form."""
    customer = _checked(conn, customer)
    if conn.execute(text("SELECT 1 FROM customers WHERE customer_id = :i"),
                    {"i": customer.customer_id}).first():
        raise Conflict(f"customer {customer.customer_id} already exists")
    act_as(conn, created_by)
    conn.execute(text(load_sql(_PKG, "customers_insert")), asdict(customer))
    return customer


def update_customer(conn: Connection, customer_id: str, changes: Mapping[str, Any], by: str,
                    scope: OfficerIds = None) -> dict[str, Any]:
    """Change a customer's name, phone, email, officer, branch or state (the same checks as
    add_customer); returns the customer as get_customer shows it."""
    unknown = sorted(set(changes) - EDITABLE)
    if unknown:
        raise ValidationFailed(f"cannot change {', '.join(unknown)} of a customer")
    current = get_customer(conn, customer_id, scope)
    merged = Customer(**{f: current[f] for f in EDITABLE | {"customer_id"}})
    merged = _checked(conn, replace(merged, **changes))
    act_as(conn, by)
    conn.execute(text(load_sql(_PKG, "customers_update")), asdict(merged))
    return get_customer(conn, customer_id)


def search_customers(conn: Connection, filters: CustomerFilters, *, limit: int = 50,
                     offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """One page of the customers matching the filters (by id) and how many match."""
    where, params = filters.sql()
    total = conn.execute(text(load_sql(_PKG, "customers_count").replace("{where}", where)),
                         params).scalar_one()
    rows = conn.execute(text(load_sql(_PKG, "customers_list").replace("{where}", where)),
                        {**params, "limit": limit, "offset": offset}).mappings()
    return [dict(r) for r in rows], total


def export_query(filters: CustomerFilters) -> tuple[str, dict[str, Any]]:
    """The SQL and parameters of every customer matching the filters (a streamed CSV)."""
    where, params = filters.sql()
    return (load_sql(_PKG, "customers_list").replace("{where}", where),
            {**params, "limit": None, "offset": 0})


def list_customers(conn: Connection, *, officer_id: str | None = None,
                   limit: int = 1000) -> list[dict[str, Any]]:
    """Customers with their loan counts, by id."""
    return search_customers(conn, CustomerFilters(officer_id=officer_id), limit=limit)[0]


def get_customer(conn: Connection, customer_id: str, scope: OfficerIds = None) -> dict[str, Any]:
    """One customer with its loan counts, or NotFound (also when outside the scope)."""
    rows, _ = search_customers(conn, CustomerFilters(customer_id=customer_id, scope=scope),
                               limit=1)
    if not rows:
        raise NotFound(f"no customer {customer_id}")
    return rows[0]
