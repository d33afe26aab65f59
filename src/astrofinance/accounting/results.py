"""The accounting reports' results, and their JSON shape (money as strings with 2 decimals)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from astrofinance.metrics.portfolio_result import ZERO, money

DEBIT_SIDE_TYPES = frozenset({"asset", "expense"})
"""Account types whose balance a statement shows as debits - credits (the others: credits -
debits). A contra account (1190, an asset with a credit normal side) then shows negative."""


def m(value: Decimal | None) -> str | None:
    """Money for JSON: a string with exactly 2 decimals (exact, unlike a float)."""
    return None if value is None else f"{money(value):.2f}"


def iso(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


@dataclass(frozen=True)
class AccountTotal:
    """One account with its debits and credits over some period."""

    code: str
    name: str
    account_type: str
    normal_side: str
    is_active: bool
    description: str | None
    debits: Decimal
    credits: Decimal
    lines: int

    @property
    def balance(self) -> Decimal:
        """The balance on the account's normal side (positive when it sits where it should)."""
        net = self.debits - self.credits
        return money(net if self.normal_side == "debit" else -net)

    @property
    def statement_amount(self) -> Decimal:
        """The amount on a statement: on the side of the account's type (contra: negative)."""
        net = self.debits - self.credits
        return money(net if self.account_type in DEBIT_SIDE_TYPES else -net)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "account_type": self.account_type,
                "normal_side": self.normal_side, "is_active": self.is_active,
                "description": self.description, "debits": m(self.debits),
                "credits": m(self.credits), "balance": m(self.balance)}


@dataclass(frozen=True)
class TrialBalance:
    as_of: dt.date
    accounts: list[AccountTotal]

    @property
    def total_debits(self) -> Decimal:
        return money(sum((a.debits for a in self.accounts), ZERO))

    @property
    def total_credits(self) -> Decimal:
        return money(sum((a.credits for a in self.accounts), ZERO))

    @property
    def balanced(self) -> bool:
        return self.total_debits == self.total_credits

    def to_dict(self) -> dict[str, Any]:
        return {"as_of": iso(self.as_of), "accounts": [a.to_dict() for a in self.accounts],
                "total_debits": m(self.total_debits), "total_credits": m(self.total_credits),
                "balanced": self.balanced}


@dataclass(frozen=True)
class Section:
    """A statement's section (assets, liabilities, equity, income, expenses)."""

    name: str
    accounts: list[AccountTotal]
    extra: list[tuple[str, Decimal]] = field(default_factory=list)  # (label, amount) rows

    @property
    def total(self) -> Decimal:
        return money(sum((a.statement_amount for a in self.accounts), ZERO)
                     + sum((amount for _, amount in self.extra), ZERO))

    def to_dict(self) -> dict[str, Any]:
        rows = [{"code": a.code, "name": a.name, "amount": m(a.statement_amount)}
                for a in self.accounts]
        rows += [{"code": None, "name": label, "amount": m(amount)} for label, amount in self.extra]
        return {"accounts": rows, "total": m(self.total)}


@dataclass(frozen=True)
class BalanceSheet:
    as_of: dt.date
    assets: Section
    liabilities: Section
    equity: Section  # with the current earnings (income - expenses to date) as an extra row
    current_earnings: Decimal

    @property
    def liabilities_and_equity(self) -> Decimal:
        return money(self.liabilities.total + self.equity.total)

    @property
    def balanced(self) -> bool:
        return self.assets.total == self.liabilities_and_equity

    def to_dict(self) -> dict[str, Any]:
        return {"as_of": iso(self.as_of), "assets": self.assets.to_dict(),
                "liabilities": self.liabilities.to_dict(), "equity": self.equity.to_dict(),
                "current_earnings": m(self.current_earnings),
                "total_assets": m(self.assets.total),
                "total_liabilities_and_equity": m(self.liabilities_and_equity),
                "balanced": self.balanced}


@dataclass(frozen=True)
class IncomeStatement:
    date_from: dt.date
    date_to: dt.date
    income: Section
    expenses: Section

    @property
    def net_income(self) -> Decimal:
        return money(self.income.total - self.expenses.total)

    def to_dict(self) -> dict[str, Any]:
        return {"from": iso(self.date_from), "to": iso(self.date_to),
                "income": self.income.to_dict(), "expenses": self.expenses.to_dict(),
                "total_income": m(self.income.total), "total_expenses": m(self.expenses.total),
                "net_income": m(self.net_income)}


@dataclass(frozen=True)
class LedgerLine:
    entry_date: dt.date
    entry_id: int
    line_id: int
    entry_type: str
    transaction_id: int | None
    description: str
    loan_id: str | None
    component: str | None
    debit: Decimal
    credit: Decimal
    balance: Decimal  # running, on the account's normal side

    def to_dict(self) -> dict[str, Any]:
        return {"date": iso(self.entry_date), "entry_id": self.entry_id,
                "entry_type": self.entry_type, "transaction_id": self.transaction_id,
                "description": self.description, "loan_id": self.loan_id,
                "component": self.component, "debit": m(self.debit),
                "credit": m(self.credit), "balance": m(self.balance)}


@dataclass(frozen=True)
class Ledger:
    account: AccountTotal  # the account (its totals: the period's)
    date_from: dt.date | None
    date_to: dt.date | None
    loan_id: str | None
    opening_balance: Decimal
    closing_balance: Decimal
    lines: list[LedgerLine]
    more_lines: int  # lines in the period beyond the limit

    def to_dict(self) -> dict[str, Any]:
        a = self.account
        return {"account": {"code": a.code, "name": a.name, "account_type": a.account_type,
                            "normal_side": a.normal_side},
                "from": iso(self.date_from), "to": iso(self.date_to), "loan_id": self.loan_id,
                "opening_balance": m(self.opening_balance), "debits": m(a.debits),
                "credits": m(a.credits), "closing_balance": m(self.closing_balance),
                "lines": [x.to_dict() for x in self.lines], "more_lines": self.more_lines}


@dataclass(frozen=True)
class JournalLine:
    account_code: str
    account_name: str
    loan_id: str | None
    component: str | None
    debit: Decimal
    credit: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {"account_code": self.account_code, "account_name": self.account_name,
                "loan_id": self.loan_id, "component": self.component,
                "debit": m(self.debit), "credit": m(self.credit)}


@dataclass(frozen=True)
class JournalEntry:
    id: int
    entry_date: dt.date
    entry_type: str
    transaction_id: int | None
    loan_id: str | None
    description: str
    created_by: str
    created_at: dt.datetime
    lines: list[JournalLine]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "date": iso(self.entry_date), "entry_type": self.entry_type,
                "transaction_id": self.transaction_id, "loan_id": self.loan_id,
                "description": self.description, "created_by": self.created_by,
                "created_at": self.created_at.isoformat(),
                "lines": [x.to_dict() for x in self.lines]}
