"""The reconciliation of the ledger with the loans, provisioning and marking defaults.

Thin: the rules are SQL functions (accounting/sql/functions_ledger.sql and functions_risk.sql),
so psql, the CLI and the API share one implementation; their AF4xx errors become typed errors.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, text

from astrofinance.accounting.results import iso, m
from astrofinance.db.sqlstate import rule_errors
from astrofinance.metrics.portfolio_result import ZERO, money

EXIT_UNRECONCILED = 3
"""`accounting reconcile`'s exit code when a difference is not zero (like `verify`'s)."""


@dataclass(frozen=True)
class Difference:
    """One check's ledger balance against the book's figure (difference = ledger - book)."""

    check_name: str
    account_code: str
    ledger: Decimal
    book: Decimal
    difference: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check_name, "account_code": self.account_code,
                "ledger": m(self.ledger), "book": m(self.book),
                "difference": m(self.difference)}


@dataclass(frozen=True)
class Check(Difference):
    description: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "description": self.description}


@dataclass(frozen=True)
class LoanDifference(Difference):
    loan_id: str | None = None  # None: the ledger's lines that name no loan

    def to_dict(self) -> dict[str, Any]:
        return {"loan_id": self.loan_id, **super().to_dict()}


@dataclass(frozen=True)
class Reconciliation:
    checks: list[Check]
    loans: list[LoanDifference]  # the first disagreeing loans (when asked for)

    @property
    def passed(self) -> bool:
        return all(c.difference == 0 for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "checks": [c.to_dict() for c in self.checks],
                "loans": [x.to_dict() for x in self.loans]}


def reconcile(conn: Connection, *, loan_details: int = 0) -> Reconciliation:
    """Ledger balances of 1100, 1150, 2100 against the ledger loans' numbers now."""
    checks = [Check(r.check_name, r.account_code, money(r.ledger), money(r.book),
                    money(r.difference), r.description)
              for r in conn.execute(text("SELECT * FROM reconcile_ledger()"))]
    loans: list[LoanDifference] = []
    if loan_details:
        rows = conn.execute(text("SELECT * FROM reconcile_ledger_loans() LIMIT :n"),
                            {"n": loan_details})
        loans = [LoanDifference(r.check_name, r.account_code, money(r.ledger), money(r.book),
                                money(r.difference), r.loan_id) for r in rows]
    return Reconciliation(checks, loans)


@dataclass(frozen=True)
class ProvisionClass:
    class_key: str
    label: str
    min_dpd: int
    max_dpd: int | None
    loans: int
    principal_outstanding: Decimal
    provision_rate: int
    required_provision: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {"class": self.class_key, "label": self.label, "min_dpd": self.min_dpd,
                "max_dpd": self.max_dpd, "count": self.loans,
                "principal_outstanding": m(self.principal_outstanding),
                "provision_rate": self.provision_rate,
                "required_provision": m(self.required_provision)}


@dataclass(frozen=True)
class ProvisionReport:
    as_of: dt.date
    classes: list[ProvisionClass]
    allowance: Decimal  # the 1190 balance (credit) as of the date, before any posting
    posted_entry_id: int | None = None

    @property
    def required_total(self) -> Decimal:
        return money(sum((c.required_provision for c in self.classes), ZERO))

    @property
    def adjustment(self) -> Decimal:
        """What a posting moves the allowance by (positive: an increase, an expense)."""
        return money(self.required_total - self.allowance)

    def to_dict(self) -> dict[str, Any]:
        return {"as_of": iso(self.as_of), "classes": [c.to_dict() for c in self.classes],
                "loans": sum(c.loans for c in self.classes),
                "principal_outstanding": m(sum((c.principal_outstanding for c in self.classes),
                                               ZERO)),
                "required_provision": m(self.required_total),
                "allowance_before": m(self.allowance), "adjustment": m(self.adjustment),
                "posted_entry_id": self.posted_entry_id}


def provision_report(conn: Connection, as_of: dt.date, *, post: bool = False,
                     user: str | None = None) -> ProvisionReport:
    """The CBN classes of the ledger loans on the books and, with post, the booking entry."""
    with rule_errors():
        allowance = money(conn.execute(text("SELECT loan_loss_allowance(:as_of)"),
                                       {"as_of": as_of}).scalar_one())
        classes = [ProvisionClass(r.class_key, r.label, r.min_dpd, r.max_dpd, r.loans,
                                  money(r.principal_outstanding), r.provision_rate,
                                  money(r.required_provision))
                   for r in conn.execute(text("SELECT * FROM provision_report(:as_of)"),
                                         {"as_of": as_of})]
        entry = None
        if post:
            entry = conn.execute(text("SELECT book_loan_loss_provision(:as_of, :user)"),
                                 {"as_of": as_of, "user": user}).scalar_one()
    return ProvisionReport(as_of, classes, allowance, entry)


def mark_defaulted(conn: Connection, days: int, user: str) -> int:
    """Ledger loans Active with current_dpd > days (as of today) become Defaulted."""
    with rule_errors():
        return int(conn.execute(text("SELECT mark_defaulted_loans(:days, :user)"),
                                {"days": days, "user": user}).scalar_one())
