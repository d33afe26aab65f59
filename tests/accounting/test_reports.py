"""Trial balance, balance sheet, income statement, account ledger and journal on hand-made
balanced entries whose every figure is worked out below."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from astrofinance.accounting import reports
from astrofinance.cli.main import app
from astrofinance.errors import NotFound, ValidationFailed
from tests.accounting.ledger import D, cr, dr, entry
from tests.metrics.book import add_loan

runner = CliRunner()
day = dt.date.fromisoformat


def _book(db) -> None:
    """Capital 100,000; a loan of 50,000 (fee 1,000 taken upfront); a repayment of 12,000
    (10,000 principal, 2,000 interest); a provision of 500; an overpayment of 300."""
    with db.begin() as c:
        add_loan(c, "X1", principal="50000.00", n=5, disbursed="2025-01-05",
                 first_due="2025-02-05", frequency="monthly")
        add_loan(c, "X2", principal="1000.00", n=1, disbursed="2025-01-05",
                 first_due="2025-02-05", frequency="monthly")
        entry(c, "2025-01-02", dr("1000", "100000.00"), cr("3000", "100000.00"))
        entry(c, "2025-01-05", dr("1100", "50000.00", "X1"), cr("1000", "49000.00", "X1"),
              cr("4100", "1000.00", "X1"), entry_type="disbursement", loan_id="X1")
        entry(c, "2025-02-10", dr("1000", "12000.00", "X1"), cr("1100", "10000.00", "X1"),
              cr("4000", "2000.00", "X1"), entry_type="repayment", loan_id="X1")
        entry(c, "2025-03-01", dr("5100", "500.00"), cr("1190", "500.00"),
              entry_type="provision")
        entry(c, "2025-03-15", dr("1000", "300.00", "X2"), cr("2100", "300.00", "X2"),
              entry_type="repayment", loan_id="X2")


def _json(*args: str) -> dict:
    r = runner.invoke(app, ["accounting", *args, "--format", "json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


def test_trial_balance_per_account_and_totals(db):
    _book(db)
    with db.begin() as c:
        tb = reports.trial_balance(c, day("2025-02-28"))     # the first three entries
    by = {a.code: a for a in tb.accounts}
    assert (by["1000"].debits, by["1000"].credits, by["1000"].balance) == (
        D("112000.00"), D("49000.00"), D("63000.00"))
    assert by["1100"].balance == D("40000.00")
    assert (by["3000"].credits, by["3000"].balance) == (D("100000.00"), D("100000.00"))
    assert (by["4000"].balance, by["4100"].balance, by["1190"].balance) == (
        D("2000.00"), D("1000.00"), D("0.00"))
    assert tb.total_debits == tb.total_credits == D("162000.00")
    assert tb.balanced
    # every active account is listed, zero or not
    assert {"1010", "5200"} <= by.keys()


def test_trial_balance_cli_json(db):
    _book(db)
    d = _json("trial-balance", "--as-of", "2025-03-31")
    assert d["as_of"] == "2025-03-31"
    assert (d["total_debits"], d["total_credits"], d["balanced"]) == (
        "162800.00", "162800.00", True)
    acct = {a["code"]: a for a in d["accounts"]}
    # the allowance is a credit balance on its (credit) normal side
    assert acct["1190"] == {"code": "1190", "name": "Loan-loss provision (allowance)",
                            "account_type": "asset", "normal_side": "credit",
                            "is_active": True, "description": acct["1190"]["description"],
                            "debits": "0.00", "credits": "500.00", "balance": "500.00"}
    r = runner.invoke(app, ["accounting", "trial-balance", "--as-of", "2025-03-31"])
    assert r.exit_code == 0, r.output
    assert "Debits equal credits." in r.output and "162,800.00" in r.output


def test_balance_sheet_balances_with_the_current_earnings(db):
    _book(db)
    with db.begin() as c:
        bs = reports.balance_sheet(c, day("2025-03-31"))
    assets = {a.code: a.statement_amount for a in bs.assets.accounts}
    assert (assets["1000"], assets["1100"], assets["1190"]) == (
        D("63300.00"), D("40000.00"), D("-500.00"))      # the allowance reduces the assets
    assert bs.assets.total == D("102800.00")
    assert bs.liabilities.total == D("300.00")
    # income 2,000 + 1,000 - provision expense 500
    assert bs.current_earnings == D("2500.00")
    assert bs.equity.total == D("102500.00")
    assert bs.liabilities_and_equity == bs.assets.total and bs.balanced
    d = _json("balance-sheet", "--as-of", "2025-01-31")
    assert (d["total_assets"], d["total_liabilities_and_equity"], d["current_earnings"],
            d["balanced"]) == ("101000.00", "101000.00", "1000.00", True)


def test_income_statement_for_a_period(db):
    _book(db)
    with db.begin() as c:
        st = reports.income_statement(c, day("2025-02-01"), day("2025-03-31"))
    assert {a.code: a.statement_amount for a in st.income.accounts}["4100"] == D("0.00")
    assert (st.income.total, st.expenses.total, st.net_income) == (
        D("2000.00"), D("500.00"), D("1500.00"))
    d = _json("income-statement", "--from", "2025-01-01", "--to", "2025-01-31")
    assert (d["total_income"], d["total_expenses"], d["net_income"]) == (
        "1000.00", "0.00", "1000.00")
    with db.begin() as c, pytest.raises(ValidationFailed, match="after it ends"):
        reports.income_statement(c, day("2025-03-01"), day("2025-02-01"))


def test_ledger_running_balance_from_the_opening_balance(db):
    _book(db)
    with db.begin() as c:
        lg = reports.account_ledger(c, "1000", date_from=day("2025-02-01"),
                                    date_to=day("2025-03-31"))
    assert lg.opening_balance == D("51000.00")           # 100,000 - 49,000
    assert [(x.entry_date.isoformat(), x.debit, x.balance) for x in lg.lines] == [
        ("2025-02-10", D("12000.00"), D("63000.00")),
        ("2025-03-15", D("300.00"), D("63300.00"))]
    assert (lg.account.debits, lg.account.credits, lg.closing_balance) == (
        D("12300.00"), D("0.00"), D("63300.00"))
    assert lg.more_lines == 0


def test_ledger_of_a_credit_account_one_loan_and_a_limit(db):
    _book(db)
    with db.begin() as c:
        capital = reports.account_ledger(c, "3000")
        loan = reports.account_ledger(c, "1100", loan_id="X1")
        cut = reports.account_ledger(c, "1000", limit=2)
        none = reports.account_ledger(c, "1100", loan_id="X2")
    assert [x.balance for x in capital.lines] == [D("100000.00")]   # credit side: positive
    assert [x.balance for x in loan.lines] == [D("50000.00"), D("40000.00")]
    assert [x.balance for x in cut.lines] == [D("100000.00"), D("51000.00")]
    assert (cut.more_lines, cut.closing_balance) == (2, D("63300.00"))
    assert (none.lines, none.closing_balance) == ([], D("0.00"))
    d = _json("ledger", "2100")
    assert (d["opening_balance"], d["closing_balance"]) == ("0.00", "300.00")
    assert d["lines"][0]["loan_id"] == "X2" and d["lines"][0]["credit"] == "300.00"
    with db.begin() as c, pytest.raises(NotFound, match="no account '9999'"):
        reports.account_ledger(c, "9999")
    r = runner.invoke(app, ["accounting", "ledger", "9999"])
    assert r.exit_code == 1 and "no account" in r.output


def test_journal_lists_entries_with_their_lines(db):
    _book(db)
    with db.begin() as c:
        of_loan = reports.journal(c, loan_id="X1")
        latest = reports.journal(c, limit=2)
        since = reports.journal(c, since=day("2025-03-01"))
    assert [e.entry_type for e in of_loan] == ["disbursement", "repayment"]   # oldest first
    assert [(x.account_code, x.debit, x.credit) for x in of_loan[1].lines] == [
        ("1000", D("12000.00"), D("0.00")), ("1100", D("0.00"), D("10000.00")),
        ("4000", D("0.00"), D("2000.00"))]
    assert [e.entry_date.isoformat() for e in latest] == ["2025-03-01", "2025-03-15"]
    assert [e.entry_type for e in since] == ["provision", "repayment"]
    r = runner.invoke(app, ["accounting", "journal", "--loan", "X1", "--format", "json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert [e["entry_type"] for e in d] == ["disbursement", "repayment"]
    assert d[0]["lines"][0] == {"account_code": "1100", "account_name":
                                "Loans receivable (principal)", "loan_id": "X1",
                                "component": None, "debit": "50000.00", "credit": "0.00"}


def test_accounts_lists_the_chart(db):
    _book(db)
    d = runner.invoke(app, ["accounting", "accounts", "--format", "json"])
    assert d.exit_code == 0, d.output
    chart = {a["code"]: a for a in json.loads(d.output)}
    assert {"1000", "1010", "1100", "1150", "1190", "2100", "3000", "3100", "4000", "4100",
            "4200", "4300", "5100", "5200"} <= chart.keys()
    assert (chart["1100"]["balance"], chart["2100"]["balance"]) == ("40000.00", "300.00")
    r = runner.invoke(app, ["accounting", "accounts"])
    assert r.exit_code == 0 and "Chart of accounts" in r.output
