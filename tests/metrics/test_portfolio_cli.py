"""`astrofinance metrics portfolio`: JSON keys, table output, stored vs computed fields, errors.

Real loans and repayments here; the fields come from the per-loan engine (recalculated and
stored, or computed on the fly for another as-of date).
"""

from __future__ import annotations

import json

from typer.testing import CliRunner

from astrofinance.cli.main import app
from tests.metrics.book import add_loan, pay
from tests.metrics.portfolio_book import build_book

runner = CliRunner()
KEYS = {"as_of", "loans_on_books", "gross_loan_portfolio", "par1", "par7", "par30", "par90",
        "fimr_rate", "early_indicator_rate", "buckets", "par_by_count", "arrears_rate",
        "collection_rate", "write_off_ratio", "disbursed_count", "disbursed_amount", "avg_dpd",
        "avg_dpd_in_arrears", "loans_in_arrears", "provision_required", "fimr_by_cohort"}


def _run(*args: str):
    return runner.invoke(app, ["metrics", "portfolio", *args])


def _json(*args: str) -> dict:
    r = _run("--format", "json", *args)
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


def _worked_example(db) -> None:
    """metrics.md's worked example, plus a reversed repayment that must not count."""
    with db.begin() as c:
        loan = add_loan(c, "WX1", principal="10000.00", interest="2000.00", n=10,
                        disbursed="2025-02-28", first_due="2025-03-03")
        pay(c, loan, "2025-03-03", "1200.00")
        pay(c, loan, "2025-03-05", "600.00")
        pay(c, loan, "2025-03-11", "3000.00")
        pay(c, loan, "2025-03-07", "999.00", reversed=True)


def test_worked_example_computed_on_the_fly(db):
    _worked_example(db)
    d = _json("--as-of", "2025-03-12")
    assert KEYS <= d.keys()
    assert (d["as_of"], d["fields_source"]) == ("2025-03-12", "computed")
    # principal_outstanding 6,000.00, current_dpd 5
    assert (d["loans_on_books"], d["gross_loan_portfolio"]) == (1, "6000.00")
    assert (d["par1"], d["par7"], d["par30"], d["par90"]) == (100.0, 0.0, 0.0, 0.0)
    assert d["par_by_count"] == {"par1": 100.0, "par7": 0.0, "par30": 0.0, "par90": 0.0}
    assert (d["avg_dpd"], d["avg_dpd_in_arrears"], d["loans_in_arrears"]) == (5.0, 5.0, 1)
    # overdue: 7 installments due before Mar 12 (8,400.00) - 4,800.00 repaid = 3,600.00
    assert (d["overdue_amount"], d["arrears_rate"]) == ("3600.00", 60.0)
    assert (d["early_indicator_rate"], d["fimr_rate"]) == (100.0, 0.0)
    assert d["fimr_by_cohort"] == [{"cohort": "2025-02", "eligible": 1, "tagged": 0,
                                    "rate": 0.0}]
    assert d["buckets"][1] == {"class": "pass_and_watch", "label": "Pass & watch",
                               "min_dpd": 1, "max_dpd": 30, "count": 1,
                               "principal_outstanding": "6000.00", "provision_rate": 5,
                               "provision": "300.00"}
    assert d["provision_required"] == "300.00"
    # period Mar 1..12: repaid 4,800.00 (not the reversed 999), due Mar 3..12 = 8 x 1,200
    assert d["period"] == {"start": "2025-03-01", "end": "2025-03-12"}
    assert (d["repaid_in_period"], d["due_in_period"], d["collection_rate"]) == (
        "4800.00", "9600.00", 50.0)
    assert (d["disbursed_count"], d["disbursed_amount"]) == (0, "0.00")
    assert d["write_off_ratio"] == 0.0


def test_collection_rate_over_a_chosen_period(db):
    _worked_example(db)
    # Mar 6..11: repaid 3,000.00 (Mar 11); due Mar 6, 7, 10, 11 = 4,800.00 -> 62.50
    d = _json("--as-of", "2025-03-12", "--period-start", "2025-03-06",
              "--period-end", "2025-03-11")
    assert (d["repaid_in_period"], d["due_in_period"], d["collection_rate"]) == (
        "3000.00", "4800.00", 62.5)
    # Feb: the loan was disbursed (10,000.00) on Feb 28, nothing fell due
    d = _json("--as-of", "2025-03-12", "--period-start", "2025-02-01",
              "--period-end", "2025-02-28")
    assert (d["disbursed_count"], d["disbursed_amount"], d["collection_rate"]) == (
        1, "10000.00", None)


def test_stored_and_computed_paths_agree(db):
    _worked_example(db)
    computed = _json("--as-of", "2025-03-12", "--group-by", "wave")
    assert runner.invoke(app, ["metrics", "recalculate", "--as-of", "2025-03-12"]).exit_code == 0
    stored = _json("--group-by", "wave")  # default: the stored date
    assert (computed.pop("fields_source"), stored.pop("fields_source")) == ("computed", "stored")
    assert stored == computed
    assert [g["group"] for g in stored["groups"]] == ["Wave 1"]


def test_write_off_ratio_with_the_engine(db):
    """W1 (1,000.00, written off Mar 10 unpaid) and A1 (3,000.00, unpaid), as of Mar 31:
    GLP end 3,000; start (Mar 1) 3,000 + 1,000; average 3,500; ratio 1,000 / 3,500."""
    with db.begin() as c:
        add_loan(c, "W1", principal="1000.00", n=4, frequency="weekly", disbursed="2025-01-06",
                 first_due="2025-01-13", status="Written Off", written_off_on="2025-03-10")
        add_loan(c, "A1", principal="3000.00", n=3, frequency="monthly", disbursed="2025-01-10",
                 first_due="2025-02-10")
    assert runner.invoke(app, ["metrics", "recalculate", "--as-of", "2025-03-31"]).exit_code == 0
    d = _json()
    assert (d["as_of"], d["fields_source"], d["gross_loan_portfolio"]) == (
        "2025-03-31", "stored", "3000.00")
    assert (d["written_off_count"], d["written_off_principal"]) == (1, "1000.00")
    assert (d["average_glp"], d["write_off_ratio"]) == ("3500.00", 28.57)


def test_group_by_json_and_filters(db):
    with db.begin() as c:
        build_book(c)
    d = _json("--group-by", "branch", "--wave", "Wave 2", "--wave", "Wave 1")
    assert d["group_by"] == "branch"
    assert d["filters"] == {"wave": ["Wave 2", "Wave 1"]}
    assert [(g["group"], g["gross_loan_portfolio"], g["par1"]) for g in d["groups"]] == [
        ("Ikeja", "26000.00", 61.54), ("Wuse", "7600.00", 47.37)]  # Ikeja 16000/26000
    assert KEYS - {"as_of"} <= d["groups"][0].keys()
    d = _json("--vertical-lead", "V1@astro.ng", "--region", "Lagos", "--product", "none")
    assert d["loans_on_books"] == 0 and d["par1"] is None


def test_table_output(db):
    with db.begin() as c:
        build_book(c)
    r = _run("--group-by", "region")
    assert r.exit_code == 0, r.output
    flat = " ".join(r.output.split())
    assert "Portfolio as of 2025-11-30 (stored loan fields)" in flat
    assert "₦33,600.00" in flat and "58.33% / 75.00%" in flat
    assert "Substandard" in flat and "₦2,200.00" in flat and "₦3,990.00" in flat
    assert "FIMR by disbursement month" in flat
    assert "By region: the book" in flat and "By region: rates" in flat
    assert "│ Abuja │ 4 │ ₦7,600.00 │" in flat and "│ Lagos │ 4 │ ₦26,000.00 │" in flat


def test_empty_portfolio(db):
    r = _run()
    assert r.exit_code == 0, r.output
    d = _json()
    assert (d["loans_on_books"], d["gross_loan_portfolio"], d["par1"], d["fimr_rate"]) == (
        0, "0.00", None, None)
    assert [b["count"] for b in d["buckets"]] == [0, 0, 0, 0, 0]
    assert d["fimr_by_cohort"] == [] and d["write_off_ratio"] is None


def test_usage_and_state_errors(db):
    r = _run("--group-by", "customer")
    assert r.exit_code == 2 and "customer" in r.output
    assert _run("--as-of", "12/03/2025").exit_code == 2
    _worked_example(db)
    r = _run()  # loans but no recalculation yet
    assert r.exit_code == 1 and "metrics recalculate" in r.output
    r = _run("--as-of", "2025-03-12", "--period-end", "2025-03-13")
    assert r.exit_code == 1 and "after the as-of date" in r.output
