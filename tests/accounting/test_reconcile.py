"""`reconcile_ledger()` and `astrofinance accounting reconcile`: the ledger's receivables and
overpayments against the loans' own numbers (compute_loan_fields), on loans run through the
loan book (disbursements, payments, a reversal, charges, an overpayment, a write-off and a
recovery), then on a ledger broken by hand."""

from __future__ import annotations

import datetime as dt
import json

from typer.testing import CliRunner

from astrofinance.accounting.risk import reconcile
from astrofinance.cli.main import app
from astrofinance.lending.service import (
    charge_loan,
    record_payment,
    reverse_payment,
    write_off_loan,
)
from tests.accounting.ledger import D, cr, dr, entry, lend, product, rows

runner = CliRunner()
day = dt.date.fromisoformat


def _lent(db) -> None:
    with db.begin() as c:
        product(c, "UPF", fee_rate=D("2"), fee_timing="upfront")
        product(c, "SPR", frequency="weekly", rate="30", fee_flat=D("250"), fee_timing="spread")
        lend(c, "R1", "UPF", "100000.00", 6, day("2025-01-06"))
        lend(c, "R2", "SPR", "50000.00", 10, day("2025-02-03"))
        lend(c, "R3", "UPF", "20000.00", 4, day("2025-01-06"))
        lend(c, "R4", "UPF", "1000.00", 1, day("2025-01-06"))
        record_payment(c, "R1", D("20000.00"), day("2025-02-06"), "teller")
        second = record_payment(c, "R1", D("15000.00"), day("2025-03-06"), "teller")
        reverse_payment(c, second.transaction_id, "supervisor")
        record_payment(c, "R2", D("6000.00"), day("2025-02-10"), "teller")
        charge_loan(c, "R2", "penalty", D("500.00"), day("2025-03-01"), "teller")
        charge_loan(c, "R2", "fee", D("120.00"), day("2025-03-02"), "teller")
        owed = rows(c, "SELECT repayment_amount FROM loans WHERE loan_id = 'R4'")[0][0]
        record_payment(c, "R4", owed + D("150.00"), day("2025-02-06"), "teller")
        write_off_loan(c, "R3", "manager", day("2025-06-02"))
        record_payment(c, "R3", D("1000.00"), day("2025-07-01"), "teller")


def _book(c, field: str) -> D:
    return rows(c, f"SELECT sum({field}) FROM compute_loan_fields(business_today(), "
                   "ARRAY['R1', 'R2', 'R4'])")[0][0]


def test_the_loan_books_ledger_reconciles(db):
    _lent(db)
    with db.begin() as c:
        rec = reconcile(c, loan_details=10)
        principal, fees = _book(c, "principal_outstanding"), _book(c, "fees_outstanding")
        statuses = dict(rows(c, "SELECT loan_id, status FROM loans"))
    assert statuses == {"R1": "Active", "R2": "Active", "R3": "Written Off", "R4": "Closed"}
    by = {x.check_name: x for x in rec.checks}
    assert list(by) == ["loans_receivable", "fees_and_penalties_receivable",
                        "customer_overpayments"]
    assert (by["loans_receivable"].ledger, by["loans_receivable"].book) == (principal, principal)
    assert principal > D("100000.00")          # R1's reversed payment is owed again
    assert (by["fees_and_penalties_receivable"].ledger, by["fees_and_penalties_receivable"].book
            ) == (fees, fees)
    assert fees > 0                            # R2's spread fee and its charges
    assert (by["customer_overpayments"].ledger, by["customer_overpayments"].book) == (
        D("150.00"), D("150.00"))
    assert all(x.difference == 0 for x in rec.checks) and rec.passed and rec.loans == []
    r = runner.invoke(app, ["accounting", "reconcile"])
    assert r.exit_code == 0, r.output
    assert "The ledger reconciles with the loans." in r.output


def test_a_difference_exits_3_and_names_the_loan(db):
    _lent(db)
    with db.begin() as c:    # principal booked by hand, which the loan does not owe
        entry(c, "2025-03-10", dr("1100", "10.00", "R1"), cr("1000", "10.00", "R1"))
        entry(c, "2025-03-10", dr("1000", "4.00"), cr("2100", "4.00"))
    r = runner.invoke(app, ["accounting", "reconcile", "--format", "json"])
    assert r.exit_code == 3, r.output
    d = json.loads(r.stdout)
    assert d["passed"] is False
    diff = {x["check"]: x["difference"] for x in d["checks"]}
    assert diff == {"loans_receivable": "10.00", "fees_and_penalties_receivable": "0.00",
                    "customer_overpayments": "4.00"}
    assert d["loans"] == [
        {"loan_id": None, "check": "customer_overpayments", "account_code": "2100",
         "ledger": "4.00", "book": "0.00", "difference": "4.00"},
        {"loan_id": "R1", "check": "loans_receivable", "account_code": "1100",
         "ledger": d["loans"][1]["ledger"], "book": d["loans"][1]["book"],
         "difference": "10.00"}]
    assert "does not reconcile" in r.output
    r = runner.invoke(app, ["accounting", "reconcile"])
    assert r.exit_code == 3 and "loans_receivable" in r.output and "R1" in r.output


def test_reconcile_from_psql_style_sql(db):
    _lent(db)
    with db.begin() as c:
        got = rows(c, "SELECT check_name, account_code, difference FROM reconcile_ledger()")
    assert got == [("loans_receivable", "1100", D("0.00")),
                   ("fees_and_penalties_receivable", "1150", D("0.00")),
                   ("customer_overpayments", "2100", D("0.00"))]
