"""The ledger's reports (accounting.read): trial balance, account ledger, journal, balance
sheet, income statement, chart of accounts, the reconciliation with the loans and the
loan-loss provisioning report. Money is a string with 2 decimals.

The reports are of the whole book: a role scoped to some officers is refused (403) even if it
is ever granted accounting.read, rather than shown everyone's figures.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from astrofinance.accounting import reports, risk
from astrofinance.api.csv import rows_csv
from astrofinance.api.deps import Conn, allow, get_principal
from astrofinance.api.envelope import ERROR_RESPONSES, Envelope, ok
from astrofinance.api.query import Date
from astrofinance.auth.tokens import Principal


def whole_book_only(principal: Annotated[Principal, Depends(get_principal)]) -> None:
    """403 for a caller who sees only some officers' loans: the ledger is everyone's."""
    if not principal.scope.everything:
        raise HTTPException(403, f"the {principal.role} role sees only its own officers' loans;"
                                 " the ledger's reports cover the whole book")


router = APIRouter(prefix="/accounting", tags=["accounting"], responses=ERROR_RESPONSES,
                   dependencies=[Depends(whole_book_only)])
READ = allow("accounting.read")
Format = Annotated[Literal["json", "csv"], Query(alias="format",
                                                 description="json (default) or csv")]
Day = Annotated[Date | None, Query(description="YYYY-MM-DD; default: today")]
ACCOUNT_COLUMNS = ["code", "name", "account_type", "normal_side", "is_active", "debits",
                   "credits", "balance"]
LEDGER_COLUMNS = ["date", "entry_id", "entry_type", "transaction_id", "description", "loan_id",
                  "component", "debit", "credit", "balance"]
JOURNAL_COLUMNS = ["entry_id", "date", "entry_type", "transaction_id", "entry_loan_id",
                   "description", "created_by", "account_code", "account_name", "loan_id",
                   "component", "debit", "credit"]


def _day(request: Request, day: Date | None) -> dt.date:
    return day or request.app.state.settings.today()


@router.get("/trial-balance", response_model=Envelope, summary="Trial balance")
def trial_balance(request: Request, conn: Conn, user: Principal = READ, as_of: Day = None,
                  fmt: Format = "json") -> Any:
    """Per account its debits, credits and balance (on its normal side) over every entry
    dated up to `as_of`; the totals and whether they agree (`balanced`)."""
    tb = reports.trial_balance(conn, _day(request, as_of)).to_dict()
    if fmt == "csv":
        return rows_csv(ACCOUNT_COLUMNS, tb["accounts"], f"trial-balance-{tb['as_of']}")
    return ok(tb, "balanced" if tb["balanced"] else "NOT balanced: debits differ from credits")


@router.get("/ledger/{account_code}", response_model=Envelope, summary="One account's ledger")
def ledger(account_code: str, conn: Conn, user: Principal = READ,
           date_from: Date | None = None, date_to: Date | None = None,
           loan_id: Annotated[str | None, Query(max_length=64)] = None,
           limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
           fmt: Format = "json") -> Any:
    """The account's lines in the period, oldest first, with the running balance, the opening
    and closing balance (optionally one loan's lines); `more_lines` counts those past `limit`."""
    result = reports.account_ledger(conn, account_code, date_from=date_from, date_to=date_to,
                                    loan_id=loan_id, limit=limit).to_dict()
    if fmt == "csv":
        return rows_csv(LEDGER_COLUMNS, result["lines"], f"ledger-{account_code}")
    return ok(result)


@router.get("/journal-entries", response_model=Envelope, summary="Journal entries")
def journal_entries(conn: Conn, user: Principal = READ,
                    loan_id: Annotated[str | None, Query(max_length=64)] = None,
                    since: Date | None = None,
                    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
                    fmt: Format = "json") -> Any:
    """The latest `limit` entries (of a loan, dated on or after `since`), oldest first, each
    with its lines; as CSV one row per line."""
    entries = [e.to_dict() for e in reports.journal(conn, loan_id=loan_id, since=since,
                                                    limit=limit)]
    if fmt == "csv":
        lines = [{**{k: e[k] for k in ("date", "entry_type", "transaction_id", "description",
                                        "created_by")},
                  "entry_id": e["id"], "entry_loan_id": e["loan_id"], **line}
                 for e in entries for line in e["lines"]]
        return rows_csv(JOURNAL_COLUMNS, lines, "journal-entries")
    return ok({"items": entries, "total": len(entries)})


@router.get("/balance-sheet", response_model=Envelope, summary="Balance sheet")
def balance_sheet(request: Request, conn: Conn, user: Principal = READ,
                  as_of: Day = None) -> Any:
    """Assets (net of the loan-loss allowance) = liabilities + equity (with the current
    earnings) as of a date; `balanced` says whether they agree."""
    return ok(reports.balance_sheet(conn, _day(request, as_of)).to_dict())


@router.get("/income-statement", response_model=Envelope, summary="Income statement")
def income_statement(conn: Conn, date_from: Date, date_to: Date,
                     user: Principal = READ) -> Any:
    """Income, expenses and net income of the entries dated in [date_from, date_to]."""
    return ok(reports.income_statement(conn, date_from, date_to).to_dict())


@router.get("/reconciliation", response_model=Envelope,
            summary="The ledger against the loans")
def reconciliation(conn: Conn, user: Principal = READ,
                   details: Annotated[int, Query(ge=0, le=1000, description="list up to this "
                                                 "many disagreeing loans")] = 20) -> Any:
    """The balances of loans receivable (1100), fees receivable (1150) and overpayments (2100)
    against the loans' own figures now; `balanced` is false when any check differs."""
    result = risk.reconcile(conn, loan_details=details)
    data = {"balanced": result.passed, **result.to_dict()}
    return ok(data, "the ledger agrees with the loans" if result.passed
              else "the ledger differs from the loans")


@router.get("/provisioning", response_model=Envelope, summary="Loan-loss provisioning")
def provisioning(request: Request, conn: Conn, user: Principal = READ,
                 as_of: Day = None) -> Any:
    """The ledger loans on the books by CBN class, the required provision and the allowance
    (1190) now held; nothing is posted (`astrofinance accounting provision --post` does)."""
    return ok(risk.provision_report(conn, _day(request, as_of)).to_dict())


@router.get("/chart", response_model=Envelope, summary="Chart of accounts")
def chart(conn: Conn, user: Principal = READ, fmt: Format = "json") -> Any:
    """Every account with its balance over every posted entry."""
    accounts = [a.to_dict() for a in reports.chart(conn)]
    if fmt == "csv":
        return rows_csv(ACCOUNT_COLUMNS, accounts, "chart-of-accounts")
    return ok({"items": accounts, "total": len(accounts)})
