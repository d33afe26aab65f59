"""`astrofinance accounting ...`: the ledger's reports, the reconciliation, provisioning."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import typer

from astrofinance.cli import accounting_view as view
from astrofinance.cli.common import (
    TableJson,
    actor,
    console,
    database,
    handle_errors,
    parse_date,
    today,
)

app = typer.Typer(help="Accounting: trial balance, ledgers, balance sheet, income statement, "
                       "journal, reconciliation with the loans, loan-loss provisioning.",
                  no_args_is_help=True)



FORMAT = typer.Option(TableJson.table, "--format",
                      help="table (Rich) or json (one object; money as strings, 2 decimals).")
AS_OF = typer.Option(None, "--as-of", help="Date (YYYY-MM-DD); default: today.")


def _run(work: Callable[[Any], Any]) -> Any:
    from astrofinance.db import session_scope

    with session_scope(database()) as conn:
        return work(conn)


def _show(fmt: TableJson, result: Any, render: Callable[[Any, Any], None]) -> None:
    if fmt is TableJson.json:
        data = ([x.to_dict() for x in result] if isinstance(result, list)
                else result.to_dict())
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        render(console, result)


def _day(value: str | None, name: str) -> dt.date:
    return parse_date(value, name) or today()


@app.command("accounts")
@handle_errors
def accounts(fmt: TableJson = FORMAT) -> None:
    """The chart of accounts, each account with its balance (every posted entry)."""
    from astrofinance.accounting.reports import chart

    _show(fmt, _run(chart), view.accounts)


@app.command("trial-balance")
@handle_errors
def trial_balance(as_of: str = AS_OF, fmt: TableJson = FORMAT) -> None:
    """Trial balance as of a date: per account debits, credits and balance; totals.

    Every entry dated up to --as-of counts; the balance sits on the account's normal side.
    """
    from astrofinance.accounting.reports import trial_balance as run

    day = _day(as_of, "--as-of")
    _show(fmt, _run(lambda c: run(c, day)), view.trial_balance)


@app.command("balance-sheet")
@handle_errors
def balance_sheet(as_of: str = AS_OF, fmt: TableJson = FORMAT) -> None:
    """Balance sheet as of a date; checks assets = liabilities + equity.

    Assets are net of the loan-loss allowance (1190); equity includes the current earnings
    (income - expenses of every entry up to the date).
    """
    from astrofinance.accounting.reports import balance_sheet as run

    day = _day(as_of, "--as-of")
    _show(fmt, _run(lambda c: run(c, day)), view.balance_sheet)


@app.command("income-statement")
@handle_errors
def income_statement(
    date_from: str = typer.Option(..., "--from", help="First day of the period (YYYY-MM-DD)."),
    date_to: str = typer.Option(..., "--to", help="Last day of the period (YYYY-MM-DD)."),
    fmt: TableJson = FORMAT,
) -> None:
    """Income statement: income, expenses and net income of a period."""
    from astrofinance.accounting.reports import income_statement as run

    start, end = _day(date_from, "--from"), _day(date_to, "--to")
    _show(fmt, _run(lambda c: run(c, start, end)), view.income_statement)


@app.command("ledger")
@handle_errors
def ledger(
    account: str = typer.Argument(..., help="Account code, e.g. 1100 (see `accounting "
                                            "accounts`)."),
    date_from: str = typer.Option(None, "--from", help="First day (default: the beginning)."),
    date_to: str = typer.Option(None, "--to", help="Last day (default: no end)."),
    loan: str = typer.Option(None, "--loan", help="Only this loan's lines."),
    limit: int = typer.Option(1000, "--limit", min=1, help="At most this many lines."),
    fmt: TableJson = FORMAT,
) -> None:
    """One account's lines in a period with the running balance.

    Oldest first, with the opening and closing balance, on the account's normal side.
    """
    from astrofinance.accounting.reports import account_ledger

    start, end = parse_date(date_from, "--from"), parse_date(date_to, "--to")
    result = _run(lambda c: account_ledger(c, account, date_from=start, date_to=end,
                                           loan_id=loan, limit=limit))
    _show(fmt, result, view.ledger)


@app.command("journal")
@handle_errors
def journal(
    loan: str = typer.Option(None, "--loan", help="Only entries of this loan."),
    since: str = typer.Option(None, "--since", help="Only entries dated on or after this day."),
    limit: int = typer.Option(50, "--limit", min=1, help="The latest this many entries."),
    fmt: TableJson = FORMAT,
) -> None:
    """Journal entries with their lines.

    The latest --limit entries (of a loan, dated on or after --since), shown oldest first.
    """
    from astrofinance.accounting.reports import journal as run

    day = parse_date(since, "--since")
    _show(fmt, _run(lambda c: run(c, loan_id=loan, since=day, limit=limit)), view.journal)


@app.command("reconcile")
@handle_errors
def reconcile(
    fmt: TableJson = FORMAT,
    details: int = typer.Option(20, "--details", min=0,
                                help="List up to this many disagreeing loans (0: none)."),
) -> None:
    """Reconcile the ledger with the loans; exit code 3 when it does not.

    1100 = their principal outstanding, 1150 = their fees and penalties outstanding, 2100 =
    their overpayments (the loans booked here, disbursed and not written off, computed as of
    today). Exit code 0 when every difference is zero, 3 otherwise.
    """
    from astrofinance.accounting.risk import EXIT_UNRECONCILED
    from astrofinance.accounting.risk import reconcile as run

    rec = _run(lambda c: run(c, loan_details=details))
    if fmt is TableJson.json:
        typer.echo(json.dumps(rec.to_dict(), indent=2, ensure_ascii=False))
    else:
        view.reconciliation(console, rec)
    if not rec.passed:
        typer.echo("The ledger does not reconcile with the loans: see the differences above.",
                   err=True)
        raise typer.Exit(EXIT_UNRECONCILED)
    if fmt is TableJson.table:
        console.print("The ledger reconciles with the loans.")


@app.command("provision")
@handle_errors
def provision(
    as_of: str = AS_OF,
    post: bool = typer.Option(False, "--post", help="Book the journal entry that brings the "
                                                    "allowance (1190) to the requirement."),
    fmt: TableJson = FORMAT,
) -> None:
    """Loan-loss provision by CBN class; --post books the change.

    The provision the CBN prudential classes require for the loans booked here that are on the
    books, against the allowance (1190); --post books the difference (Dr 5100 / Cr 1190 when
    it rises, the reverse when it falls; nothing when equal).
    """
    from astrofinance.accounting.risk import provision_report

    day = _day(as_of, "--as-of")
    rep = _run(lambda c: provision_report(c, day, post=post, user=actor()))
    _show(fmt, rep, view.provision)
    if post and fmt is TableJson.table:
        console.print(f"Posted journal entry #{rep.posted_entry_id}." if rep.posted_entry_id
                      else "Nothing posted: the allowance already equals the requirement.")
