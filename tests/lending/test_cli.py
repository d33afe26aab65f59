"""A loan from creation to closure from the CLI, with the books balanced at every step."""

from __future__ import annotations

import json
import subprocess

from sqlalchemy import text
from typer.testing import CliRunner

from astrofinance.cli.main import app
from tests.lending.book import assert_books_balanced

runner = CliRunner()


def _ok(*args: str) -> str:
    r = runner.invoke(app, list(args), env={"ASTROFINANCE_USER": "ada"})
    assert r.exit_code == 0, r.output
    return r.output


def test_a_loan_from_creation_to_closure(db):
    _ok("products", "add", "SME", "--interest-method", "declining_balance", "--rate", "24",
        "--frequency", "monthly", "--fee-rate", "1", "--fee-timing", "upfront")
    _ok("customers", "add", "--id", "C1", "--name", "Ada Obi", "--phone", "+2348012345678")
    out = _ok("loans", "create", "--id", "L1", "--customer", "C1", "--product", "SME",
              "--principal", "100000", "--installments", "3", "--disbursement-date",
              "2025-01-06")
    assert "Created loan L1 (Pending)" in out
    steps = [("loans", "approve", "L1"), ("loans", "disburse", "L1")]
    for step in steps:
        _ok(*step)
        with db.begin() as c:
            assert_books_balanced(c)
    schedule = json.loads(_ok("loans", "show", "L1", "--format", "json"))
    assert schedule["status"] == "Active" and schedule["repayment_amount"] == "104026.40"
    with db.begin() as c:
        cash = c.execute(text("SELECT sum(credit) FROM journal_entry_details "
                              "WHERE account_code = '1000'")).scalar()
    assert str(cash) == "99000.00"  # the 1% upfront fee stays with the lender
    # A = 100,000 x 0.02 / (1 - 1.02^-3) = 34,675.47; the last installment takes the rest
    for amount, day in (("34675.47", "2025-02-06"), ("34675.47", "2025-03-06"),
                        ("34675.46", "2025-04-07")):
        out = _ok("loans", "pay", "L1", "--amount", amount, "--date", day, "--key", day)
        with db.begin() as c:
            assert_books_balanced(c)
    assert "Loan is Closed" in out
    # the retried last payment is recognised, not recorded again
    assert "Already recorded" in _ok("loans", "pay", "L1", "--amount", "34675.46", "--date",
                                     "2025-04-07", "--key", "2025-04-07")
    txns = json.loads(_ok("loans", "transactions", "L1", "--format", "json"))
    assert [t["txn_type"] for t in txns] == ["disbursement"] + ["repayment"] * 3
    assert all(t["journal_entry_id"] for t in txns)
    # a bounced last payment, named by its repayment id: the loan owes its installment again
    assert "Reversed payment" in _ok("loans", "reverse", txns[-1]["repayment_id"],
                                     "--reason", "bounced")
    shown = json.loads(_ok("loans", "show", "L1", "--format", "json"))
    assert (shown["status"], shown["total_outstanding"]) == ("Active", "34675.46")
    with db.begin() as c:
        assert_books_balanced(c)
    r = runner.invoke(app, ["loans", "reverse", txns[-1]["repayment_id"]])
    assert r.exit_code == 1 and "already reversed" in r.output


def test_errors_are_one_line_without_traceback(db):
    r = runner.invoke(app, ["loans", "pay", "NOPE", "--amount", "10", "--date", "2025-01-06"])
    assert r.exit_code == 1 and "no loan NOPE" in r.output and "Traceback" not in r.output
    r = runner.invoke(app, ["loans", "pay", "NOPE", "--amount", "ten", "--date", "2025-01-06"])
    assert r.exit_code == 2 and "is not an amount" in r.output
    r = runner.invoke(app, ["products", "add", "BAD", "--interest-method", "declining_balance",
                            "--rate", "24", "--frequency", "daily", "--allocation-order",
                            "penalty,interest,fee,principal"])
    assert r.exit_code == 1
    assert "weekly, biweekly or monthly" in r.output and "next to each other" in r.output


def test_functions_and_views_from_psql(db, db_url):
    _ok("products", "add", "AJO", "--interest-method", "flat", "--rate", "36.5",
        "--frequency", "daily")
    _ok("customers", "add", "--id", "C1", "--name", "Ada Obi", "--phone", "08012345678")
    script = """
SELECT create_loan('L1', 'C1', 'AJO', 10000, 10, DATE '2025-02-28', 'ada');
SELECT approve_loan('L1', 'bola');
SELECT disburse_loan('L1', 'bola') IS NOT NULL;
SELECT generate_payment_schedule('L1', 'bola');
SELECT loan_status, principal, interest
    FROM record_loan_payment('L1', 1014, DATE '2025-03-03', 'ada');
SELECT create_journal_entry(transaction_id, 'ada') IS NOT NULL FROM vw_transactions LIMIT 1;
SELECT principal_outstanding, interest_outstanding, total_outstanding FROM vw_loan_summary;
"""
    out = subprocess.run(["psql", db_url, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                          "-c", "SET client_min_messages = warning", "-c", script],
                         capture_output=True, text=True, check=True).stdout.split()
    # 36.5% a year over the 14 days to Mar 14 = 140.00 interest: 1,014.00 per day
    assert out == ["L1", "t", "10", "Active|1000.00|14.00", "t", "9000.00|126.00|9126.00"]


def test_seed_replace_refuses_to_erase_a_ledger(db):
    _ok("products", "add", "AJO", "--interest-method", "flat", "--rate", "36.5",
        "--frequency", "daily")
    _ok("customers", "add", "--id", "C1", "--name", "Ada Obi")
    _ok("loans", "create", "--id", "L1", "--customer", "C1", "--product", "AJO", "--principal",
        "10000", "--installments", "10", "--disbursement-date", "2025-02-28")
    _ok("loans", "approve", "L1")
    _ok("loans", "disburse", "L1")
    r = runner.invoke(app, ["db", "seed", "--loans", "10", "--replace"])
    assert r.exit_code == 1 and "keeps a ledger (1 journal entries)" in r.output
    with db.begin() as c:
        assert c.execute(text("SELECT count(*) FROM loans")).scalar() == 1
