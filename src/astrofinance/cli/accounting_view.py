"""Rich tables for `astrofinance accounting ...` (the JSON forms are the results' to_dict)."""

from __future__ import annotations

from decimal import Decimal

from rich.console import Console
from rich.table import Table

from astrofinance.accounting.results import (
    AccountTotal,
    BalanceSheet,
    IncomeStatement,
    JournalEntry,
    Ledger,
    Section,
    TrialBalance,
)
from astrofinance.accounting.risk import ProvisionReport, Reconciliation


def amount(value: Decimal | None) -> str:
    """Thousands separators and 2 decimals; empty for zero lines' sides."""
    return "" if value is None else f"{value:,.2f}"


def side(value: Decimal) -> str:
    return amount(value) if value else ""


def _table(title: str, *columns: str, right: tuple[str, ...] = ()) -> Table:
    t = Table(title=title)
    for c in columns:
        t.add_column(c, justify="right" if c in right else "left")
    return t


def accounts(console: Console, rows: list[AccountTotal]) -> None:
    t = _table("Chart of accounts", "code", "name", "type", "normal side", "active", "balance",
               right=("balance",))
    for a in rows:
        t.add_row(a.code, a.name, a.account_type, a.normal_side, "yes" if a.is_active else "no",
                  amount(a.balance))
    console.print(t)


def trial_balance(console: Console, tb: TrialBalance) -> None:
    t = _table(f"Trial balance as of {tb.as_of}", "code", "account", "debits", "credits",
               "balance", "side", right=("debits", "credits", "balance"))
    for a in tb.accounts:
        t.add_row(a.code, a.name, amount(a.debits), amount(a.credits), amount(a.balance),
                  a.normal_side)
    t.add_section()
    t.add_row("", "Total", amount(tb.total_debits), amount(tb.total_credits), "", "")
    console.print(t)
    console.print("Debits equal credits." if tb.balanced else
                  f"[bold red]Out of balance by {amount(tb.total_debits - tb.total_credits)}[/]")


def _section(t: Table, s: Section, title: str) -> None:
    t.add_row(f"[bold]{title}[/]", "", "")
    for a in s.accounts:
        t.add_row(f"  {a.code}", a.name, amount(a.statement_amount))
    for label, value in s.extra:
        t.add_row("", label, amount(value))
    t.add_row("", f"[bold]Total {s.name}[/]", f"[bold]{amount(s.total)}[/]")


def balance_sheet(console: Console, bs: BalanceSheet) -> None:
    t = _table(f"Balance sheet as of {bs.as_of}", "code", "account", "amount", right=("amount",))
    _section(t, bs.assets, "Assets")
    t.add_section()
    _section(t, bs.liabilities, "Liabilities")
    _section(t, bs.equity, "Equity")
    t.add_section()
    t.add_row("", "[bold]Liabilities and equity[/]",
              f"[bold]{amount(bs.liabilities_and_equity)}[/]")
    console.print(t)
    console.print("Assets = liabilities + equity." if bs.balanced else
                  "[bold red]Assets differ from liabilities + equity by "
                  f"{amount(bs.assets.total - bs.liabilities_and_equity)}[/]")


def income_statement(console: Console, st: IncomeStatement) -> None:
    t = _table(f"Income statement {st.date_from} .. {st.date_to}", "code", "account", "amount",
               right=("amount",))
    _section(t, st.income, "Income")
    _section(t, st.expenses, "Expenses")
    t.add_section()
    t.add_row("", "[bold]Net income[/]", f"[bold]{amount(st.net_income)}[/]")
    console.print(t)


def ledger(console: Console, lg: Ledger) -> None:
    a = lg.account
    span = f"{lg.date_from or 'start'} .. {lg.date_to or 'now'}"
    loan = f", loan {lg.loan_id}" if lg.loan_id else ""
    t = _table(f"{a.code} {a.name} ({a.normal_side} side), {span}{loan}", "date", "entry",
               "type", "loan", "component", "debit", "credit", "balance",
               right=("entry", "debit", "credit", "balance"))
    t.add_row("opening", "", "", "", "", "", "", amount(lg.opening_balance))
    for x in lg.lines:
        t.add_row(str(x.entry_date), str(x.entry_id), x.entry_type, x.loan_id or "",
                  x.component or "", side(x.debit), side(x.credit), amount(x.balance))
    t.add_section()
    t.add_row("closing", "", "", "", "", amount(a.debits), amount(a.credits),
              amount(lg.closing_balance))
    console.print(t)
    if lg.more_lines:
        console.print(f"{lg.more_lines:,} more line(s) in the period: narrow --from/--to or "
                      "raise --limit (the closing balance counts them all).")


def journal(console: Console, entries: list[JournalEntry]) -> None:
    if not entries:
        console.print("No journal entries.")
        return
    for e in entries:
        what = f" transaction {e.transaction_id}" if e.transaction_id else ""
        t = _table(f"#{e.id} {e.entry_date} {e.entry_type}{what}: {e.description} "
                   f"(by {e.created_by})", "account", "name", "loan", "component", "debit",
                   "credit", right=("debit", "credit"))
        for x in e.lines:
            t.add_row(x.account_code, x.account_name, x.loan_id or "", x.component or "",
                      side(x.debit), side(x.credit))
        console.print(t)


def reconciliation(console: Console, rec: Reconciliation) -> None:
    t = _table("Ledger against the book (ledger loans, their numbers as of today)", "check",
               "account", "ledger", "book", "difference", right=("ledger", "book", "difference"))
    for c in rec.checks:
        style = "" if c.difference == 0 else "[bold red]"
        t.add_row(c.check_name, c.account_code, amount(c.ledger), amount(c.book),
                  f"{style}{amount(c.difference)}")
    console.print(t)
    if rec.loans:
        d = _table("Loans whose ledger lines differ from their numbers", "loan", "check",
                   "account", "ledger", "book", "difference",
                   right=("ledger", "book", "difference"))
        for x in rec.loans:
            d.add_row(x.loan_id or "(no loan)", x.check_name, x.account_code, amount(x.ledger),
                      amount(x.book), amount(x.difference))
        console.print(d)


def provision(console: Console, rep: ProvisionReport) -> None:
    t = _table(f"Loan-loss provision as of {rep.as_of} (CBN prudential classes, ledger loans)",
               "class", "days past due", "loans", "principal outstanding", "rate",
               "required provision",
               right=("loans", "principal outstanding", "rate", "required provision"))
    for c in rep.classes:
        dpd = f"{c.min_dpd}+" if c.max_dpd is None else (
            str(c.min_dpd) if c.min_dpd == c.max_dpd else f"{c.min_dpd}-{c.max_dpd}")
        t.add_row(c.label, dpd, f"{c.loans:,}", amount(c.principal_outstanding),
                  f"{c.provision_rate}%", amount(c.required_provision))
    t.add_section()
    t.add_row("Total", "", f"{sum(c.loans for c in rep.classes):,}", "", "",
              amount(rep.required_total))
    console.print(t)
    console.print(f"Allowance (1190) as of {rep.as_of}: {amount(rep.allowance)}; "
                  f"adjustment needed: {amount(rep.adjustment)}")
