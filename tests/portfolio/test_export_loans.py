"""`astrofinance loans export` and `astrofinance loans schedule`."""

from __future__ import annotations

import csv
import io
import json

from sqlalchemy import text
from typer.testing import CliRunner

from astrofinance.cli.main import app
from astrofinance.sync.service import import_bundle
from tests.factories.bundle import good_bundle

runner = CliRunner()

HEADER = ("loan_id,status,wave,as_of,total_repayments,principal_outstanding,"
          "interest_outstanding,fees_outstanding,total_outstanding,actual_outstanding,"
          "overpaid_amount,daily_repayment_amount,repayment_days_due_today,repayment_days_paid,"
          "current_dpd,max_dpd_ever,installments_in_arrears,fimr_tagged,early_indicator_tagged,"
          "repayment_delay_rate,timeliness_score,repayment_health,days_since_last_repayment,"
          "business_days_since_disbursement")

# The worked example's fields (metrics.md) stored on L1 by hand; L2 never recalculated
# except for a few fields; L3 as an overpaid, written-off loan.
L1_FIELDS = """UPDATE loans SET fields_as_of = '2025-03-12', total_repayments = 4800,
    principal_outstanding = 6000, interest_outstanding = 1200, fees_outstanding = 0,
    total_outstanding = 7200, actual_outstanding = 7200, overpaid_amount = 0,
    daily_repayment_amount = 1200, repayment_days_due_today = 8, repayment_days_paid = 4,
    current_dpd = 5, max_dpd_ever = 6, installments_in_arrears = 3, fimr_tagged = false,
    early_indicator_tagged = true, repayment_delay_rate = 14.29, timeliness_score = 87.62,
    repayment_health = 74.57, days_since_last_repayment = 1,
    business_days_since_disbursement = 8 WHERE loan_id = 'L1'"""
L3_FIELDS = """UPDATE loans SET fields_as_of = '2025-03-12', total_repayments = 3400.5,
    principal_outstanding = 0, interest_outstanding = 0, fees_outstanding = 0,
    total_outstanding = -100.5, actual_outstanding = 0, overpaid_amount = 100.5,
    current_dpd = 40, max_dpd_ever = 40, fimr_tagged = true, early_indicator_tagged = false
    WHERE loan_id = 'L3'"""


def _book(db, tmp_path, *updates: str) -> None:
    import_bundle(good_bundle(tmp_path / "b"))
    with db.begin() as c:
        for sql in updates:
            c.execute(text(sql))


def _export(*args: str):
    return runner.invoke(app, ["loans", "export", *args])


def test_csv_header_values_booleans_and_empty_nulls(db, tmp_path):
    _book(db, tmp_path, L1_FIELDS, L3_FIELDS)
    r = _export()
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0] == HEADER
    assert lines[1] == ("L1,Active,Wave 1,2025-03-12,4800.00,6000.00,1200.00,0.00,7200.00,"
                        "7200.00,0.00,1200.00,8,4.00,5,6,3,false,true,14.29,87.62,74.57,1,8")
    assert lines[2] == "L2,Active,Wave 2" + "," * 21
    assert lines[3] == ("L3,Written Off,Wave 1,2025-03-12,3400.50,0.00,0.00,0.00,-100.50,0.00,"
                        "100.50,,,,40,40,,true,false,,,,,")
    assert len(lines) == 4
    assert "1 loan(s) have no computed fields yet" in r.stderr


def test_json_has_the_same_keys_with_exact_decimals(db, tmp_path):
    _book(db, tmp_path, L1_FIELDS)
    out = tmp_path / "loans.json"
    r = _export("--format", "json", "--output", str(out))
    assert r.exit_code == 0, r.output
    assert r.stdout == ""
    data = json.loads(out.read_text())
    assert [d["loan_id"] for d in data] == ["L1", "L2", "L3"]
    assert list(data[0]) == HEADER.split(",")
    assert data[0]["total_repayments"] == "4800.00" and data[0]["repayment_health"] == "74.57"
    assert data[0]["current_dpd"] == 5 and data[0]["early_indicator_tagged"] is True
    assert data[0]["as_of"] == "2025-03-12"
    assert data[1]["total_repayments"] is None and data[1]["fimr_tagged"] is None


def test_warns_when_no_recalculation_has_run(db, tmp_path):
    _book(db, tmp_path)
    r = _export()
    assert r.exit_code == 0
    assert len(r.stdout.splitlines()) == 4           # still exported
    assert "no recalculation has been run" in r.stderr
    assert "astrofinance metrics recalculate" in r.stderr


def _ids(r) -> list[str]:
    return [row["loan_id"] for row in csv.DictReader(io.StringIO(r.stdout))]


def test_filters(db, tmp_path):
    _book(db, tmp_path, L1_FIELDS, L3_FIELDS)
    assert _ids(_export("--status", "written_off")) == ["L3"]
    assert _ids(_export("--status", "active", "--status", "WRITTEN OFF")) == ["L1", "L2", "L3"]
    assert _ids(_export("--branch", "Kano")) == ["L2"]
    assert _ids(_export("--region", "Lagos")) == ["L1", "L3"]
    assert _ids(_export("--officer", "OF2")) == ["L2"]
    assert _ids(_export("--wave", "2")) == ["L2"]
    assert _ids(_export("--wave", "Wave 1")) == ["L1", "L3"]
    assert _ids(_export("--product", "Daily 10")) == ["L1", "L2", "L3"]
    assert _ids(_export("--vertical-lead", "VL@example.ng", "--officer", "OF1")) == ["L1", "L3"]
    assert _ids(_export("--supervisor", "nobody@example.ng")) == []
    assert _ids(_export("--disbursed-from", "2025-10-01")) == ["L2"]
    assert _ids(_export("--disbursed-to", "2025-02-28")) == ["L1", "L3"]
    assert _ids(_export("--dpd-min", "1")) == ["L1", "L3"]
    assert _ids(_export("--dpd-min", "1", "--dpd-max", "30")) == ["L1"]
    r = _export("--status", "asleep")
    assert r.exit_code == 1 and "not a loan status" in r.stderr
    r = _export("--disbursed-from", "01/02/2025")
    assert r.exit_code == 2


def test_schedule_command(db, tmp_path):
    _book(db, tmp_path)
    r = runner.invoke(app, ["loans", "schedule", "L2", "--format", "csv"])
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines() == [
        "installment_no,due_date,principal_due,interest_due,fee_due,amount_due,cumulative_due,"
        "paid_on",
        "1,2025-10-28,1250.12,125.06,25.02,1400.20,1400.20,",
        "2,2025-11-04,1250.12,125.06,25.02,1400.20,2800.40,",
        "3,2025-11-11,1250.12,125.06,25.02,1400.20,4200.60,",
        "4,2025-11-18,1250.14,125.07,25.04,1400.25,5600.85,"]
    r = runner.invoke(app, ["loans", "schedule", "L3"])
    assert r.exit_code == 0
    assert "Schedule of loan L3" in r.stdout and "3300.00" in r.stdout
    r = runner.invoke(app, ["loans", "schedule", "NOPE"])
    assert r.exit_code == 1 and "no loan 'NOPE'" in r.stderr


def test_schedule_shows_the_date_each_installment_was_paid(db, tmp_path):
    _book(db, tmp_path)
    with db.begin() as c:
        c.execute(text("SELECT * FROM recalculate_all_loan_fields('2025-03-12')"))
    r = runner.invoke(app, ["loans", "schedule", "L1", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    # repayments 1,200 (03-03), 600 (03-05), 3,000 (03-11): cumulative 4,800 reached on 03-11
    assert [row["paid_on"] for row in rows[:5]] == ["2025-03-03", "2025-03-11", "2025-03-11",
                                                    "2025-03-11", ""]
