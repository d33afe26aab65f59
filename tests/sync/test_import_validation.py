"""Bad bundles: every bad row reported (file, line, column, value, reason); all-or-nothing."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from astrofinance.cli.main import app
from astrofinance.errors import ValidationFailed
from astrofinance.sync.service import ImportRejected, import_bundle
from tests.factories.bundle import (
    customer,
    good_bundle,
    loan,
    officer,
    repayment,
    schedule,
    write_bundle,
)

runner = CliRunner()


def _rows(db, sql: str):
    with db.begin() as c:
        return c.execute(text(sql)).all()


def _report(path: Path) -> set[tuple[str, int, str, str, str]]:
    with path.open(newline="") as f:
        return {(r["file"], int(r["line"]), r["column"], r["value"], r["reason"])
                for r in csv.DictReader(f)}


def _has(report, file: str, line: int, column: str, value: str, reason: str) -> bool:
    return any(r[:4] == (file, line, column, value) and reason in r[4] for r in report)


def _bad_bundle(d: Path) -> Path:
    """One bad value or rule per row; the lines are given next to each row."""
    return write_bundle(
        d,
        holidays=[{"date": "2025-02-30", "name": "Bad date"},                      # line 2
                  {"date": "2025-12-25", "name": "Christmas"},
                  {"date": "2025-12-25", "name": "Christmas again"}],              # line 4
        officers=[officer("OF1"), officer("OF2", hire_date="15/01/2024"),          # line 3
                  officer("OF3", name="  ")],                                      # line 4
        customers=[customer("C1"), customer("C2", officer_id="NOPE")],             # line 3
        loans=[loan("L1"),
               loan("L2", loan_amount="100.005"),                                  # line 3
               loan("L3", loan_amount="-5"),                                       # line 4
               loan("L4", loan_amount="0"),                                        # line 5
               loan("L5", installments="2.5"),                                     # line 6
               loan("L6", installments="0"),                                       # line 7
               loan("L7", frequency="fortnightly"),                                # line 8
               loan("L8", status="asleep"),                                        # line 9
               loan("L9", repayment_amount="11000.00"),                            # line 10
               loan("L10", status="Written Off"),                                  # line 11
               loan("L11", first_payment_due_date="2025-02-27"),                   # line 12
               loan("L12", officer_id="OF404"),                                    # line 13
               loan("L13", customer_id="C2"),                                      # line 14
               loan("L1", product="again")],                                       # line 15
        repayments=[repayment("R1"),
                    repayment("R2", reversed="maybe"),                             # line 3
                    repayment("R3", loan_id="L404"),                               # line 4
                    repayment("R4", loan_id="L2"),                                 # line 5
                    repayment("R1", amount="5.00"),                                # line 6
                    repayment("R6", amount=""),                                    # line 7
                    repayment("R7", payment_date="2025-3-5")],                     # line 8
        schedules=schedule("L1", [("2025-03-03", "5000", "1000", "0"),             # lines 2-3
                                  ("2025-03-04", "5000", "999", "0")])
        + [{"loan_id": "L1", "installment_no": "4", "due_date": "2025-03-05",
            "principal_due": "0", "interest_due": "0", "fee_due": "0"}]            # line 4
        + schedule("L404", [("2025-03-03", "1", "0", "0")])                        # line 5
        + [{"loan_id": "L9", "installment_no": "1", "due_date": "2025-03-03",
            "principal_due": "-1", "interest_due": "0", "fee_due": "0"}],          # line 6
    )


EXPECTED = [
    ("holidays.csv", 2, "date", "2025-02-30", "not a date"),
    ("holidays.csv", 4, "date", "2025-12-25", "duplicate date (first on line 3)"),
    ("officers.csv", 3, "hire_date", "15/01/2024", "not a date in YYYY-MM-DD form"),
    ("officers.csv", 4, "name", "  ", "required value missing"),
    ("customers.csv", 3, "officer_id", "NOPE", "unknown officer_id"),
    ("loans.csv", 3, "loan_amount", "100.005", "at most 2 decimals"),
    ("loans.csv", 4, "loan_amount", "-5", "must not be negative"),
    ("loans.csv", 5, "loan_amount", "0", "must be more than 0"),
    ("loans.csv", 6, "installments", "2.5", "whole number"),
    ("loans.csv", 7, "installments", "0", "whole number of at least 1"),
    ("loans.csv", 8, "frequency", "fortnightly", "not a frequency"),
    ("loans.csv", 9, "status", "asleep", "not a loan status"),
    ("loans.csv", 10, "repayment_amount", "11000.00",
     "must equal loan_amount + interest_amount + fee_amount = 12000.00"),
    ("loans.csv", 11, "written_off_on", "", "required when the status is Written Off"),
    ("loans.csv", 12, "first_payment_due_date", "2025-02-27", "before disbursement_date"),
    ("loans.csv", 13, "officer_id", "OF404", "unknown officer_id"),
    ("loans.csv", 14, "customer_id", "C2", "customer_id C2 was rejected (customers.csv line 3)"),
    ("loans.csv", 15, "loan_id", "L1", "duplicate loan_id (first on line 2)"),
    ("repayments.csv", 3, "reversed", "maybe", "not a boolean"),
    ("repayments.csv", 4, "loan_id", "L404", "unknown loan_id"),
    ("repayments.csv", 5, "loan_id", "L2", "loan_id L2 was rejected (loans.csv line 3)"),
    ("repayments.csv", 6, "repayment_id", "R1", "duplicate repayment_id (first on line 2)"),
    ("repayments.csv", 7, "amount", "", "required value missing"),
    ("repayments.csv", 8, "payment_date", "2025-3-5", "not a date"),
    ("schedules.csv", 2, "loan_id", "L1", "installment numbers of loan L1 are not 1..3"),
    ("schedules.csv", 4, "loan_id", "L1", "installment numbers of loan L1 are not 1..3"),
    ("schedules.csv", 5, "loan_id", "L404", "unknown loan_id"),
    ("schedules.csv", 6, "principal_due", "-1", "must not be negative"),
]


def test_every_bad_row_is_reported_and_nothing_is_imported(db, tmp_path):
    report = tmp_path / "report.csv"
    with pytest.raises(ImportRejected) as err:
        import_bundle(_bad_bundle(tmp_path / "b"), report_path=report)
    lines = _report(report)
    missing = [e for e in EXPECTED if not _has(lines, *e)]
    assert missing == []
    # the good rows get no report line
    assert not any(r[:2] == ("loans.csv", 2) for r in lines)
    assert "nothing was imported" in str(err.value)
    assert len(err.value.problems) == 20           # the first 20 in the message; all in the file
    assert err.value.result.problem_count == len(lines)
    for table in ("holidays", "officers", "customers", "loans", "repayments",
                  "payment_schedules", "import_rejects"):
        assert _rows(db, f"SELECT count(*) FROM {table}") == [(0,)], table
    assert _rows(db, "SELECT status, message LIKE '%nothing was imported%' FROM import_runs") == \
        [("failed", True)]


def test_schedule_sum_and_count_must_match_the_loan(db, tmp_path):
    d = write_bundle(
        tmp_path / "b",
        loans=[loan("L1", installments="2", interest_amount="0", loan_amount="1000",
                    repayment_amount=""),
               loan("L2", installments="3", interest_amount="0", loan_amount="1000",
                    repayment_amount="")],
        officers=[officer()], customers=[customer()],
        schedules=schedule("L1", [("2025-03-03", "500", "0", "0"),
                                  ("2025-03-04", "499.99", "0", "0")])
        + schedule("L2", [("2025-03-03", "500", "0", "0"), ("2025-03-04", "500", "0", "0")]))
    report = tmp_path / "r.csv"
    with pytest.raises(ImportRejected):
        import_bundle(d, report_path=report)
    assert _report(report) == {
        ("schedules.csv", 2, "loan_id", "L1",
         "the schedule of loan L1 sums to 999.99, the loan's repayment_amount is 1000.00"),
        ("schedules.csv", 3, "loan_id", "L1",
         "the schedule of loan L1 sums to 999.99, the loan's repayment_amount is 1000.00"),
        ("schedules.csv", 4, "loan_id", "L2",
         "the schedule of loan L2 has 2 installments, the loan has 3"),
        ("schedules.csv", 5, "loan_id", "L2",
         "the schedule of loan L2 has 2 installments, the loan has 3")}


def test_skip_invalid_imports_good_rows_and_keeps_the_rejects(db, tmp_path):
    result = import_bundle(_bad_bundle(tmp_path / "b"), skip_invalid=True)
    assert result.status == "partial"
    assert _rows(db, "SELECT loan_id FROM loans ORDER BY 1") == [("L1",)]
    assert _rows(db, "SELECT repayment_id FROM repayments ORDER BY 1") == [("R1",)]
    assert _rows(db, "SELECT officer_id FROM officers ORDER BY 1") == [("OF1",)]
    assert _rows(db, "SELECT holiday_date::text FROM holidays") == [("2025-12-25",)]
    # L1's supplied schedule is rejected whole: L1 keeps its generated schedule
    assert _rows(db, "SELECT schedule_source, (SELECT count(*) FROM payment_schedules) "
                     "FROM loans") == [("generated", 10)]
    kept = {(f, ln, c, v, r) for f, ln, c, v, r in _rows(
        db, "SELECT file, line, column_name, coalesce(value, ''), reason FROM import_rejects "
            f"WHERE import_id = {result.run_id}")}
    assert [e for e in EXPECTED if not _has(kept, *e)] == []
    data = _rows(db, "SELECT row_data FROM import_rejects WHERE file = 'repayments.csv' "
                     "AND line = 5")
    assert data[0][0]["repayment_id"] == "R4" and data[0][0]["amount"] == "1200.00"
    assert result.counts["loans.csv"].rejected == 13
    assert result.counts["loans.csv"].inserted == 1


def test_cli_without_skip_invalid_exits_1_with_the_report(db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(app, ["import", str(_bad_bundle(tmp_path / "b"))])
    assert r.exit_code == 1
    assert "nothing was imported" in r.stderr
    assert "holidays.csv:2: date='2025-02-30': not a date in YYYY-MM-DD form" in r.stderr
    report = next(tmp_path.glob("import-report-*.csv"))      # > 20 problems: a file too
    assert str(report.name) in r.stderr
    assert _rows(db, "SELECT count(*) FROM loans") == [(0,)]


def test_cli_skip_invalid_names_the_rejects_and_how_to_list_them(db, tmp_path):
    r = runner.invoke(app, ["import", str(_bad_bundle(tmp_path / "b")), "--skip-invalid"])
    assert r.exit_code == 0, r.output
    run_id = _rows(db, "SELECT max(id) FROM import_runs")[0][0]
    assert f"astrofinance imports rejects {run_id}" in r.stderr
    r = runner.invoke(app, ["imports", "rejects", "--format", "csv"])
    assert r.exit_code == 0
    rows = list(csv.DictReader(r.stdout.splitlines()))
    assert ("repayments.csv", "5", "loan_id", "L2") in {
        (x["file"], x["line"], x["column"], x["value"]) for x in rows}
    r = runner.invoke(app, ["imports", "rejects", "999"])
    assert r.exit_code == 1 and "no import run 999" in r.stderr


def test_unknown_column_is_an_error_unless_skip_invalid(db, tmp_path):
    d = write_bundle(tmp_path / "b", loans=[{**loan(), "colour": "blue"}],
                     officers=[officer()], customers=[customer()])
    with pytest.raises(ImportRejected) as err:
        import_bundle(d)
    assert "loans.csv:1: colour: unknown column" in err.value.problems
    result = import_bundle(d, skip_invalid=True)
    assert result.status == "succeeded"
    assert result.warnings == ["loans.csv: column 'colour' is not a column of the bundle, ignored"]
    assert _rows(db, "SELECT loan_id FROM loans") == [("L1",)]


def test_missing_required_column_and_missing_loans_file(db, tmp_path):
    d = write_bundle(tmp_path / "b", loans=[{k: v for k, v in loan().items()
                                             if k != "installments"}])
    with pytest.raises(ValidationFailed) as err:
        import_bundle(d, skip_invalid=True)
    assert "loans.csv:1: installments: required column missing" in err.value.problems
    d2 = write_bundle(tmp_path / "b2", repayments=[repayment()])
    r = runner.invoke(app, ["import", str(d2)])
    assert r.exit_code == 1
    assert "has no loans.csv" in r.stderr
    assert _rows(db, "SELECT status FROM import_runs ORDER BY id") == [("failed",), ("failed",)]


def test_ragged_rows_are_each_reported(db, tmp_path):
    d = tmp_path / "b"
    good_bundle(d)
    path = d / "repayments.csv"
    path.write_text(path.read_text() + "R8,L1,2025-03-12\nR9,L1,2025-03-12,5,false,x,y,extra\n")
    report = tmp_path / "r.csv"
    with pytest.raises(ImportRejected):
        import_bundle(d, report_path=report)
    assert {(r[0], r[1], r[4]) for r in _report(report)} == {
        ("repayments.csv", 6, "3 fields, the header has 7"),
        ("repayments.csv", 7, "8 fields, the header has 7")}


def test_not_utf8_is_refused(db, tmp_path):
    d = tmp_path / "b"
    good_bundle(d)
    (d / "customers.csv").write_bytes(
        b"customer_id,name\nC1,Customer C1\nC2,Ad\xe9 Okafor\n")
    with pytest.raises(ValidationFailed) as err:
        import_bundle(d)
    assert "customers.csv: line 3 is not valid UTF-8" in str(err.value)
