"""`astrofinance import DIR`: a good bundle, its schedules, idempotent re-import, updates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from sqlalchemy import text
from typer.testing import CliRunner

from astrofinance.cli.main import app
from astrofinance.sync.service import import_bundle
from tests.factories.bundle import good_bundle, loan, repayment, schedule, write_bundle

runner = CliRunner()
TABLES = ("holidays", "officers", "customers", "loans", "repayments")


def _rows(db, sql: str, **params):
    with db.begin() as c:
        return c.execute(text(sql), params).all()


def _counts(result) -> dict[str, tuple[int, int, int, int, int]]:
    return {name: (c.read, c.inserted, c.updated, c.unchanged, c.rejected)
            for name, c in result.counts.items()}


def test_good_bundle_imports_every_file_with_exact_values(db, tmp_path):
    result = import_bundle(good_bundle(tmp_path / "b"))
    assert result.status == "succeeded" and result.problem_count == 0
    assert _counts(result) == {
        "holidays.csv": (1, 1, 0, 0, 0), "officers.csv": (2, 2, 0, 0, 0),
        "customers.csv": (2, 2, 0, 0, 0), "loans.csv": (3, 3, 0, 0, 0),
        "repayments.csv": (4, 4, 0, 0, 0), "schedules.csv": (3, 3, 0, 0, 0)}
    assert _rows(db, "SELECT loan_id, status, frequency, loan_amount, interest_amount, "
                     "fee_amount, repayment_amount, installments, wave, branch, region, "
                     "vertical_lead_email, schedule_source, written_off_on FROM loans "
                     "ORDER BY loan_id") == [
        ("L1", "Active", "daily", D("10000.00"), D("2000.00"), D("0.00"), D("12000.00"), 10,
         "Wave 1", "Ikeja", "Lagos", "vl@example.ng", "generated", None),
        # repayment_amount left empty: loan + interest + fee; officer OF2 hired 2025-10-05
        ("L2", "Active", "weekly", D("5000.50"), D("500.25"), D("100.10"), D("5600.85"), 4,
         "Wave 2", "Kano", "North West", "vl@example.ng", "generated", None),
        ("L3", "Written Off", "monthly", D("3000.00"), D("300.00"), D("0.00"), D("3300.00"), 3,
         "Wave 1", "Ikeja", "Lagos", "vl@example.ng", "supplied", dt.date(2025, 6, 30))]
    assert _rows(db, "SELECT repayment_id, loan_id, payment_date, payment_amount, is_reversed, "
                     "channel, reference FROM repayments ORDER BY repayment_id") == [
        ("R1", "L1", dt.date(2025, 3, 3), D("1200.00"), False, "transfer", "ref-R1"),
        ("R2", "L1", dt.date(2025, 3, 5), D("600.00"), False, "transfer", "ref-R2"),
        ("R3", "L1", dt.date(2025, 3, 11), D("3000.00"), False, "transfer", "ref-R3"),
        ("R4", "L2", dt.date(2025, 10, 28), D("1400.21"), True, "transfer", "ref-R4")]
    assert _rows(db, "SELECT holiday_date, name, officer_id, source FROM holidays") == [
        (dt.date(2025, 3, 5), "Ash Wednesday (test)", None, "import")]
    assert _rows(db, "SELECT customer_id, officer_id FROM customers ORDER BY 1") == [
        ("C1", "OF1"), ("C2", "OF2")]
    run = _rows(db, "SELECT status, counts -> 'loans.csv' ->> 'inserted' FROM import_runs")
    assert run == [("succeeded", "3")]
    assert {r[0] for r in _rows(db, "SELECT entity FROM sync_tracking")} >= {"loans", "repayments"}


def test_generated_schedules_skip_weekends_and_imported_holidays(db, tmp_path):
    import_bundle(good_bundle(tmp_path / "b"))
    # daily L1 from Mon 2025-03-03: Wed 03-05 is the bundle's holiday, 03-08/09 a weekend
    dues = [r[0] for r in _rows(db, "SELECT due_date FROM payment_schedules WHERE loan_id = 'L1'"
                                    " ORDER BY installment_no")]
    assert dues == [dt.date(2025, 3, d) for d in (3, 4, 6, 7, 10, 11, 12, 13, 14, 17)]
    # weekly L2: 5000.50/4 = 1250.125 -> 1250.12 (last 1250.14); 500.25/4 -> 125.06 (125.07);
    # 100.10/4 -> 25.02 (25.04)
    assert _rows(db, "SELECT due_date, principal_due, interest_due, fee_due, cumulative_due "
                     "FROM payment_schedules WHERE loan_id = 'L2' ORDER BY installment_no") == [
        (dt.date(2025, 10, 28), D("1250.12"), D("125.06"), D("25.02"), D("1400.20")),
        (dt.date(2025, 11, 4), D("1250.12"), D("125.06"), D("25.02"), D("2800.40")),
        (dt.date(2025, 11, 11), D("1250.12"), D("125.06"), D("25.02"), D("4200.60")),
        (dt.date(2025, 11, 18), D("1250.14"), D("125.07"), D("25.04"), D("5600.85"))]


def test_supplied_schedule_is_used_as_given(db, tmp_path):
    import_bundle(good_bundle(tmp_path / "b"))
    # the generated monthly dates would be 03-31, 04-30, 05-31 (a Saturday, rolled to 06-02)
    assert _rows(db, "SELECT installment_no, due_date, principal_due, interest_due, fee_due, "
                     "cumulative_due FROM payment_schedules WHERE loan_id = 'L3' "
                     "ORDER BY installment_no") == [
        (1, dt.date(2025, 3, 31), D("1000.00"), D("100.00"), D("0.00"), D("1100.00")),
        (2, dt.date(2025, 4, 30), D("1000.00"), D("100.00"), D("0.00"), D("2200.00")),
        (3, dt.date(2025, 5, 30), D("1000.00"), D("100.00"), D("0.00"), D("3300.00"))]


def _snapshot(db):
    snap = {t: _rows(db, f"SELECT * FROM {t} ORDER BY 1") for t in TABLES}
    snap["payment_schedules"] = _rows(db, "SELECT * FROM payment_schedules ORDER BY 1, 2")
    return snap


def test_reimporting_the_same_bundle_changes_nothing(db, tmp_path):
    bundle = good_bundle(tmp_path / "b")
    import_bundle(bundle)
    with db.begin() as c:   # the metrics engine consumes the loans marked stale
        c.execute(text("SELECT * FROM recalculate_all_loan_fields('2025-03-12')"))
    assert _rows(db, "SELECT count(*) FROM stale_loans") == [(0,)]
    before = _snapshot(db)
    result = import_bundle(bundle)
    assert _counts(result) == {
        "holidays.csv": (1, 0, 0, 1, 0), "officers.csv": (2, 0, 0, 2, 0),
        "customers.csv": (2, 0, 0, 2, 0), "loans.csv": (3, 0, 0, 3, 0),
        "repayments.csv": (4, 0, 0, 4, 0), "schedules.csv": (3, 0, 0, 3, 0)}
    assert _snapshot(db) == before      # every column, updated_at and paid_on included
    assert _rows(db, "SELECT count(*) FROM stale_loans") == [(0,)]


def test_a_second_bundle_updates_only_the_changed_rows(db, tmp_path):
    import_bundle(good_bundle(tmp_path / "b"))
    before = {r[0]: r[1] for r in _rows(db, "SELECT loan_id, updated_at FROM loans")}
    rep_before = {r[0]: r[1] for r in _rows(db, "SELECT repayment_id, updated_at FROM repayments")}
    second = write_bundle(
        tmp_path / "b2",
        loans=[loan("L1", installments="12", interest_amount="2000", repayment_amount=""),
               loan("L3", loan_amount="3000", interest_amount="300", fee_amount="0",
                    installments="3", frequency="monthly", first_payment_due_date="2025-03-31",
                    status="written_off", written_off_on="2025-06-30",
                    repayment_amount="3300.00")],
        repayments=[repayment("R2", payment_date="2025-03-05", amount="650.00")])
    result = import_bundle(second)
    assert _counts(result) == {"loans.csv": (2, 0, 1, 1, 0), "repayments.csv": (1, 0, 1, 0, 0)}
    after = {r[0]: r[1] for r in _rows(db, "SELECT loan_id, updated_at FROM loans")}
    assert after["L1"] > before["L1"] and after["L2"] == before["L2"] and \
        after["L3"] == before["L3"]
    rep_after = {r[0]: r[1] for r in _rows(db, "SELECT repayment_id, updated_at FROM repayments")}
    assert [k for k in rep_after if rep_after[k] != rep_before[k]] == ["R2"]
    assert _rows(db, "SELECT payment_amount FROM repayments WHERE repayment_id = 'R2'") == \
        [(D("650.00"),)]
    # the re-termed loan's generated schedule was rebuilt: 12 x 1,000.00 (10000/12 = 833.33,
    # 2000/12 = 166.66; the last gets the remainders 833.37 + 166.74)
    rows = _rows(db, "SELECT count(*), min(amount_due), max(amount_due), sum(amount_due) "
                     "FROM payment_schedules WHERE loan_id = 'L1'")
    assert rows == [(12, D("999.99"), D("1000.11"), D("12000.00"))]


def test_a_changed_supplied_schedule_replaces_the_old_one(db, tmp_path):
    import_bundle(good_bundle(tmp_path / "b"))
    second = write_bundle(
        tmp_path / "b2", loans=[loan("L9", installments="2", loan_amount="1000",
                                     interest_amount="0", repayment_amount="1000")],
        schedules=schedule("L3", [("2025-03-31", "1500.00", "150.00", "0"),
                                  ("2025-04-30", "500.00", "50.00", "0"),
                                  ("2025-06-30", "1000.00", "100.00", "0")])
        + schedule("L9", [("2025-03-03", "400", "0", "0"), ("2025-03-10", "600", "0", "0")]))
    result = import_bundle(second)
    assert _counts(result)["schedules.csv"] == (5, 2, 3, 0, 0)
    assert _rows(db, "SELECT installment_no, due_date, amount_due, cumulative_due "
                     "FROM payment_schedules WHERE loan_id = 'L3' ORDER BY 1") == [
        (1, dt.date(2025, 3, 31), D("1650.00"), D("1650.00")),
        (2, dt.date(2025, 4, 30), D("550.00"), D("2200.00")),
        (3, dt.date(2025, 6, 30), D("1100.00"), D("3300.00"))]
    assert _rows(db, "SELECT schedule_source FROM loans WHERE loan_id = 'L9'") == [("supplied",)]
    assert _rows(db, "SELECT due_date, amount_due FROM payment_schedules WHERE loan_id = 'L9' "
                     "ORDER BY installment_no") == [(dt.date(2025, 3, 3), D("400.00")),
                                                    (dt.date(2025, 3, 10), D("600.00"))]


def test_any_column_order_case_bom_crlf_and_quoted_newlines(db, tmp_path):
    d = tmp_path / "b"
    d.mkdir()
    (d / "loans.csv").write_bytes(
        "\ufeffSTATUS,Loan_ID,installments,frequency,loan_amount,disbursement_date,"
        "first_payment_due_date,product\r\n"
        'Closed,L1,2,monthly,500,2025-01-02,2025-02-02,"two\r\nlines"\r\n'
        "pending,L2,1,daily,100.5,2025-01-02,2025-01-03,plain\r\n".encode())
    result = import_bundle(d)
    assert result.problem_count == 0
    assert _rows(db, "SELECT loan_id, status, product, loan_amount, repayment_amount, "
                     "interest_amount FROM loans ORDER BY 1") == [
        ("L1", "Closed", "two\r\nlines", D("500.00"), D("500.00"), D("0.00")),
        ("L2", "Pending", "plain", D("100.50"), D("100.50"), D("0.00"))]


def test_cli_prints_a_summary_per_file(db, tmp_path):
    r = runner.invoke(app, ["import", str(good_bundle(tmp_path / "b"))])
    assert r.exit_code == 0, r.output
    assert "succeeded" in r.stdout
    for name in ("holidays.csv", "loans.csv", "repayments.csv", "schedules.csv"):
        assert name in r.stdout
    for col in ("read", "inserted", "updated", "unchanged", "rejected"):
        assert col in r.stdout
    r = runner.invoke(app, ["imports", "list"])
    assert r.exit_code == 0 and "succeeded" in r.stdout
