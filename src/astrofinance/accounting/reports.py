"""The ledger's reports: chart, trial balance, account ledger, balance sheet, income statement,
journal. Read-only; every number comes from the journal (journal_entries and their lines).

Balances: an account's balance sits on its normal side (chart_of_accounts.normal_side); the
statements show each account on the side of its type (assets and expenses: debits - credits;
liabilities, equity and income: credits - debits), so the contra-asset 1190 (the loan-loss
allowance) reduces the assets. The balance sheet's equity includes the current earnings (income
- expenses of every entry up to its date): the ledger has no closing entries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, text

from astrofinance.accounting.results import (
    AccountTotal,
    BalanceSheet,
    IncomeStatement,
    JournalEntry,
    JournalLine,
    Ledger,
    LedgerLine,
    Section,
    TrialBalance,
)
from astrofinance.errors import NotFound, ValidationFailed
from astrofinance.kit.sql import load_sql
from astrofinance.metrics.portfolio_result import ZERO, money

_PKG = "astrofinance.accounting"


def _rows(conn: Connection, name: str, **params: Any) -> list[Any]:
    return list(conn.execute(text(load_sql(_PKG, name)), params).all())


def account_totals(conn: Connection, date_from: dt.date | None = None,
                   date_to: dt.date | None = None) -> list[AccountTotal]:
    """Every account's debits and credits over the entries dated in [date_from, date_to]."""
    return [AccountTotal(r.code, r.name, r.account_type, r.normal_side, r.is_active,
                         r.description, money(r.debits), money(r.credits), r.lines)
            for r in _rows(conn, "account_totals", date_from=date_from, date_to=date_to)]


def chart(conn: Connection) -> list[AccountTotal]:
    """The chart of accounts, each with its balance over every posted entry."""
    return account_totals(conn)


def trial_balance(conn: Connection, as_of: dt.date) -> TrialBalance:
    """Per account (active, or with postings) its debits, credits and balance up to as_of."""
    accounts = [a for a in account_totals(conn, None, as_of) if a.is_active or a.lines]
    return TrialBalance(as_of, accounts)


def balance_sheet(conn: Connection, as_of: dt.date) -> BalanceSheet:
    """Assets = liabilities + equity (with the current earnings) as of a date."""
    by_type = _by_type(account_totals(conn, None, as_of))
    earnings = money(sum((a.statement_amount for a in by_type["income"]), ZERO)
                     - sum((a.statement_amount for a in by_type["expense"]), ZERO))
    return BalanceSheet(
        as_of, Section("assets", by_type["asset"]),
        Section("liabilities", by_type["liability"]),
        Section("equity", by_type["equity"], [("Current earnings (income - expenses)",
                                                earnings)]),
        earnings)


def income_statement(conn: Connection, date_from: dt.date, date_to: dt.date) -> IncomeStatement:
    """Income and expenses of the entries dated in [date_from, date_to]."""
    if date_from > date_to:
        raise ValidationFailed(f"the period starts ({date_from}) after it ends ({date_to})")
    by_type = _by_type(account_totals(conn, date_from, date_to))
    return IncomeStatement(date_from, date_to, Section("income", by_type["income"]),
                           Section("expenses", by_type["expense"]))


def _by_type(accounts: list[AccountTotal]) -> dict[str, list[AccountTotal]]:
    out: dict[str, list[AccountTotal]] = defaultdict(list)
    for a in accounts:
        if a.is_active or a.lines:
            out[a.account_type].append(a)
    return out


def account_ledger(conn: Connection, code: str, *, date_from: dt.date | None = None,
                   date_to: dt.date | None = None, loan_id: str | None = None,
                   limit: int = 1000) -> Ledger:
    """One account's lines in a period with the running balance (optionally one loan's)."""
    if date_from and date_to and date_from > date_to:
        raise ValidationFailed(f"the period starts ({date_from}) after it ends ({date_to})")
    found = _rows(conn, "account_get", code=code)
    if not found:
        raise NotFound(f"no account {code!r} in the chart: see `astrofinance accounting "
                       "accounts`")
    acct = found[0]
    params = {"account": code, "date_from": date_from, "date_to": date_to, "loan_id": loan_id}
    s = _rows(conn, "ledger_summary", **params)[0]
    sign = 1 if acct.normal_side == "debit" else -1
    opening_net = s.opening_debits - s.opening_credits
    lines = [LedgerLine(r.entry_date, r.entry_id, r.line_id, r.entry_type, r.transaction_id,
                        r.description, r.loan_id, r.component, money(r.debit), money(r.credit),
                        money(sign * (opening_net + r.running_net)))
             for r in _rows(conn, "ledger_lines", **params, limit=limit)]
    period = AccountTotal(acct.code, acct.name, acct.account_type, acct.normal_side,
                          acct.is_active, acct.description, money(s.debits), money(s.credits),
                          s.lines)
    closing = money(sign * (opening_net + s.debits - s.credits))
    return Ledger(period, date_from, date_to, loan_id, money(sign * opening_net), closing,
                  lines, s.lines - len(lines))


def journal(conn: Connection, *, loan_id: str | None = None, since: dt.date | None = None,
            limit: int = 50) -> list[JournalEntry]:
    """The latest `limit` entries (dated on or after `since`, of one loan), oldest first."""
    entries = _rows(conn, "journal_entries", loan_id=loan_id, since=since, limit=limit)
    lines: dict[int, list[JournalLine]] = defaultdict(list)
    if entries:
        for r in _rows(conn, "journal_lines", entry_ids=[e.id for e in entries]):
            lines[r.entry_id].append(JournalLine(r.account_code, r.account_name, r.loan_id,
                                                 r.component, money(r.debit), money(r.credit)))
    return [JournalEntry(e.id, e.entry_date, e.entry_type, e.transaction_id, e.loan_id,
                         e.description, e.created_by, e.created_at, lines[e.id])
            for e in reversed(entries)]
