"""Loan products: interest method and rate, frequency, limits, fees, allocation order, grace."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, text

from astrofinance.auth.context import act_as
from astrofinance.errors import Conflict, NotFound, ValidationFailed
from astrofinance.kit.sql import load_sql

_PKG = "astrofinance.lending"
METHODS = ("flat", "declining_balance")
FREQUENCIES = ("daily", "weekly", "biweekly", "monthly")
FEE_TIMINGS = ("upfront", "spread")
COMPONENTS = ("penalty", "fee", "interest", "principal")
DEFAULT_ORDER = ["penalty", "fee", "interest", "principal"]
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")


@dataclass
class Product:
    code: str
    name: str
    interest_method: str
    annual_rate: Decimal
    frequency: str
    min_principal: Decimal = Decimal("1")
    max_principal: Decimal | None = None
    min_installments: int = 1
    max_installments: int | None = None
    fee_rate: Decimal = Decimal("0")
    fee_flat: Decimal = Decimal("0")
    fee_timing: str = "upfront"
    allocation_order: list[str] = field(default_factory=lambda: list(DEFAULT_ORDER))
    grace_days: int = 0
    fimr_grace_days: int | None = None
    is_active: bool = True

    def problems(self) -> list[str]:
        """Every reason the product is not valid (empty when it is)."""
        p: list[str] = []
        if not _CODE.match(self.code or ""):
            p.append(f"code {self.code!r}: letters, digits, '_', '-', '.'; at most 40")
        if not (self.name or "").strip():
            p.append("name: required")
        if self.interest_method not in METHODS:
            p.append(f"interest method {self.interest_method!r}: one of {', '.join(METHODS)}")
        if self.frequency not in FREQUENCIES:
            p.append(f"frequency {self.frequency!r}: one of {', '.join(FREQUENCIES)}")
        if self.interest_method == "declining_balance" and self.frequency == "daily":
            p.append("declining_balance needs a weekly, biweekly or monthly frequency")
        if not Decimal(0) <= self.annual_rate <= Decimal(1000):
            p.append(f"rate {self.annual_rate}: a yearly percentage from 0 to 1000")
        p += _limit_problems(self)
        if self.fee_timing not in FEE_TIMINGS:
            p.append(f"fee timing {self.fee_timing!r}: one of {', '.join(FEE_TIMINGS)}")
        if not Decimal(0) <= self.fee_rate < Decimal(100):
            p.append(f"fee rate {self.fee_rate}: a percentage of the principal below 100")
        if self.fee_flat < 0:
            p.append(f"flat fee {self.fee_flat}: not negative")
        p += order_problems(self.allocation_order)
        if not 0 <= self.grace_days <= 366:
            p.append(f"grace days {self.grace_days}: 0 to 366")
        if self.fimr_grace_days is not None and not 0 <= self.fimr_grace_days <= 366:
            p.append(f"FIMR grace days {self.fimr_grace_days}: 0 to 366")
        return p


def _limit_problems(pr: Product) -> list[str]:
    p: list[str] = []
    if pr.min_principal <= 0:
        p.append(f"minimum principal {pr.min_principal}: above 0")
    if pr.max_principal is not None and pr.max_principal < pr.min_principal:
        p.append(f"maximum principal {pr.max_principal}: below the minimum {pr.min_principal}")
    if pr.min_installments < 1:
        p.append(f"minimum installments {pr.min_installments}: at least 1")
    if pr.max_installments is not None and not pr.min_installments <= pr.max_installments <= 1000:
        p.append(f"maximum installments {pr.max_installments}: from the minimum to 1000")
    return p


def order_problems(order: list[str]) -> list[str]:
    """Why an allocation order is not valid: a permutation with fees next to penalties."""
    if sorted(order) != sorted(COMPONENTS):
        return [f"allocation order {','.join(order)}: each of {', '.join(COMPONENTS)} once"]
    if abs(order.index("penalty") - order.index("fee")) != 1:
        return ["allocation order: penalty and fee must be next to each other (both are "
                "charges, collected into one receivable)"]
    return []


def add_product(conn: Connection, product: Product, created_by: str) -> Product:
    """Create a product; every invalid setting is reported."""
    problems = product.problems()
    if problems:
        raise ValidationFailed(f"product {product.code!r} is not valid", problems)
    if conn.execute(text("SELECT 1 FROM products WHERE code = :c"), {"c": product.code}).first():
        raise Conflict(f"product {product.code} already exists")
    act_as(conn, created_by)
    conn.execute(text(load_sql(_PKG, "products_insert")),
                 {**asdict(product), "created_by": created_by})
    return get_product(conn, product.code)


def list_products(conn: Connection) -> list[Product]:
    """All products, by code."""
    rows = conn.execute(text(load_sql(_PKG, "products_list")), {"code": None}).mappings()
    return [_product(r) for r in rows]


def get_product(conn: Connection, code: str) -> Product:
    """One product, or NotFound."""
    row = conn.execute(text(load_sql(_PKG, "products_list")), {"code": code}).mappings().first()
    if row is None:
        raise NotFound(f"no product {code}")
    return _product(row)


def _product(row: Any) -> Product:
    return Product(**{k: row[k] for k in Product.__dataclass_fields__})
