"""`astrofinance sync ...` from a real second database in the Django Ajo schema: mapping, status
mapping, reversals, incremental runs, idempotency, quarantine, fixes, check-status."""

from __future__ import annotations

import json
from decimal import Decimal
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from astrofinance.cli.main import app
from tests.sync import source_book as sb

runner = CliRunner()


@pytest.fixture
def src(empty_source_url: str) -> str:
    """An empty reference source (tests/sync/conftest.py), filled by each test."""
    return empty_source_url


def sync(src_url: str, *args: str):
    result = runner.invoke(app, ["sync", *args, "--source-url", src_url])
    assert result.exit_code == 0, result.output
    return result


def rows(db, query: str) -> list:
    with db.begin() as c:
        return [tuple(r) for r in c.execute(text(query))]


def worked_example(src_url: str) -> None:
    sb.fill(src_url,
            [sb.loan(10), sb.loan(11, "COMPLETED", borrower=2, agent=2),
             sb.loan(12, "REJECTED", disbursed=None, start=None, end=None,
                     disbursed_flag=False)],
            [sb.repayment(100, 10, "2025-03-03", "1200.00"),
             sb.repayment(101, 10, "2025-03-05", "600.00", marked="REPAYMENT"),
             sb.repayment(102, 10, "2025-03-11", "3000.00"),
             sb.repayment(103, 10, "2025-03-12", "500.00", marked="REVERSAL")],
            [("2025-03-31", "Eid el-Fitr", "PUBLIC", None),
             ("2025-03-20", "Leave", "AGENT_LEAVE", 1)])


def test_full_sync_maps_every_entity(db, src):
    worked_example(src)
    out = sync(src, "full").output
    assert "Officers sync complete: 3 successful, 0 errors" in out
    assert "Loans sync complete: 2 successful, 0 errors" in out
    # the loan: interest is the rest of the total repayable, installments the business days
    assert rows(db, "SELECT loan_id, customer_id, officer_id, loan_amount, interest_amount, "
                    "fee_amount, repayment_amount, installments, frequency, "
                    "disbursement_date::text, first_payment_due_date::text, status, product "
                    "FROM loans ORDER BY 1") == [
        ("10", "1", "1", Decimal("10000.00"), Decimal("2000.00"), Decimal("0.00"),
         Decimal("12000.00"), 10, "daily", "2025-02-28", "2025-03-03", "Active", "AJO"),
        ("11", "2", "2", Decimal("10000.00"), Decimal("2000.00"), Decimal("0.00"),
         Decimal("12000.00"), 10, "daily", "2025-02-28", "2025-03-03", "Closed", "AJO")]
    assert rows(db, "SELECT repayment_id, payment_amount, is_reversed, channel FROM repayments "
                    "ORDER BY 1") == [
        ("100", Decimal("1200.00"), False, "AGENT_DEBIT"),
        ("101", Decimal("600.00"), False, "AGENT_DEBIT"),
        ("102", Decimal("3000.00"), False, "AGENT_DEBIT"),
        ("103", Decimal("500.00"), True, "AGENT_DEBIT")]
    assert rows(db, "SELECT officer_id, name, email, branch, hire_date::text, status "
                    "FROM officers ORDER BY 1") == [
        ("1", "ada", "Ada.Obi@Example.com", "Ikeja", "2024-01-15", "GOOD"),
        ("2", "bola", "bola@example.com", "Yaba", "2025-10-05", "ACTIVE"),
        ("3", "chidi", "chidi@example.com", "Ikeja", "2023-03-01", "INACTIVE")]
    assert rows(db, "SELECT customer_id, name, state, dob::text, gender, lga FROM customers "
                    "ORDER BY 1") == [
        ("1", "Ngozi Eze", "Lagos", "1990-05-01", "FEMALE", "Ikeja"),
        ("2", "Tunde Bakare", "Oyo", None, "MALE", "Ibadan North")]
    assert rows(db, "SELECT holiday_date::text, officer_id FROM holidays WHERE source = 'sync' "
                    "ORDER BY 1") == [("2025-03-20", "1"), ("2025-03-31", None)]
    # the wave trigger ran (officer 2 hired 2025-10-05) and the loan has its schedule
    assert rows(db, "SELECT loan_id, wave FROM loans ORDER BY 1") == [("10", "Wave 1"),
                                                                     ("11", "Wave 2")]
    assert rows(db, "SELECT count(*) FROM payment_schedules WHERE loan_id = '10'") == [(10,)]
    tracked = dict(rows(db, "SELECT entity, rows_synced FROM sync_tracking"))
    assert tracked["loans"] == 2 and tracked["repayments"] == 4


def test_worked_example_fields_after_sync(db, src):
    """Synced data gives the metrics.md worked example's numbers (reversal excluded)."""
    worked_example(src)
    sync(src, "full")
    result = runner.invoke(app, ["metrics", "recalculate", "--as-of", "2025-03-12"])
    assert result.exit_code == 0, result.output
    assert rows(db, "SELECT total_repayments, current_dpd, max_dpd_ever, repayment_health "
                    "FROM loans WHERE loan_id = '10'") == [
        (Decimal("4800.00"), 5, 6, Decimal("74.57"))]


def test_source_statuses_map_and_unknown_ones_are_quarantined(db, src):
    statuses = ["COMPLETED", "CLOSED", "OPEN", "APPROVED", "ACTIVE", "PAST_MATURITY",
                "DEFAULTED", "REJECTED", "DECLINED", "NOT_TAKEN", "on_hold"]
    sb.fill(src, [sb.loan(20 + i, s) for i, s in enumerate(statuses)], [])
    result = runner.invoke(app, ["sync", "full", "--source-url", src])
    assert result.exit_code == 0, result.output
    got = dict(rows(db, "SELECT loan_id, status FROM loans"))
    assert [got.get(str(20 + i)) for i in range(len(statuses))] == [
        "Closed", "Closed", "Active", "Active", "Active", "Active", "Defaulted", "Cancelled",
        "Cancelled", "Cancelled", None]
    [(key, reason)] = rows(db, "SELECT source_key, reason FROM sync_quarantine")
    assert key == "30" and "status 'on_hold'" in reason and "PAST_MATURITY" in reason
    assert "1 row(s) quarantined" in result.output


def test_second_run_changes_nothing_and_says_so(db, src):
    worked_example(src)
    sync(src, "full")
    before = rows(db, "SELECT loan_id, updated_at FROM loans ORDER BY 1")
    out = sync(src, "full").output
    assert "Nothing changed" in out
    assert rows(db, "SELECT loan_id, updated_at FROM loans ORDER BY 1") == before
    counts = rows(db, "SELECT counts FROM sync_runs ORDER BY id DESC LIMIT 1")[0][0]
    assert all(c["inserted"] == 0 and c["updated"] == 0 for c in counts.values())


def test_incremental_takes_inserts_and_updates_since_the_watermark(db, src):
    worked_example(src)
    sync(src, "full")
    # a new repayment, a repayment marked reversed, and a new customer's loan with its
    # repayment (customers have no change column: new ids are taken)
    with sb.psycopg.connect(src) as conn, conn.cursor() as cur:
        cur.execute("INSERT INTO ajo_ajouser (id, first_name, last_name) "
                    "VALUES (3, 'Amaka', 'Okafor')")
        sb.add_loans(cur, [sb.loan(13, borrower=3, updated="2030-01-01 00:00+00")])
        sb.add_repayments(cur, [sb.repayment(104, 10, "2025-03-12", "700.00",
                                             updated="2030-01-01 00:00+00"),
                                sb.repayment(105, 13, "2025-03-04", "1200.00",
                                             updated="2030-01-01 00:00+00")])
        cur.execute("UPDATE loans_ajoloanrepayment SET marked_as = 'REVERSAL', "
                    "updated_at = '2030-01-01 00:00+00' WHERE id = 102")
    out = sync(src, "repayments").output
    assert "2 new repayments synced (1 updated)" in out
    assert rows(db, "SELECT customer_id FROM loans WHERE loan_id = '13'") == [("3",)]
    assert rows(db, "SELECT repayment_id, is_reversed FROM repayments WHERE repayment_id IN "
                    "('102', '104', '105') ORDER BY 1") == [("102", True), ("104", False),
                                                           ("105", False)]
    out = sync(src, "repayments").output          # the overlap re-reads; nothing changes
    assert "0 new repayments synced (0 updated)" in out


def test_incremental_skips_nothing_at_batch_edges_with_equal_timestamps(db, src):
    sb.fill(src, [sb.loan(10)], [])
    sync(src, "full")
    same = "2031-05-05 10:00+00"
    with sb.psycopg.connect(src) as conn, conn.cursor() as cur:
        sb.add_repayments(cur, [sb.repayment(200 + i, 10, "2025-03-03", "10.00", updated=same)
                                for i in range(7)])
    result = runner.invoke(app, ["sync", "repayments", "--only", "--batch-repayments", "2",
                                 "--source-url", src])
    assert result.exit_code == 0, result.output
    assert rows(db, "SELECT count(*) FROM repayments") == [(7,)]
    assert "7 new repayments synced" in result.output


def test_small_batches_take_every_row_in_key_order(db, src):
    """Keys cross a digit boundary (9 -> 10 -> 100): batches follow the key's own order."""
    sb.fill(src, [sb.loan(i) for i in (8, 9, 10, 11, 100)],
            [sb.repayment(i, 10, "2025-03-03", "1.00") for i in range(1, 24)])
    result = runner.invoke(app, ["sync", "full", "--batch-loans", "2", "--batch-repayments",
                                 "4", "--source-url", src])
    assert result.exit_code == 0, result.output
    assert rows(db, "SELECT count(*) FROM loans") == [(5,)]
    assert rows(db, "SELECT count(*), sum(payment_amount) FROM repayments") == [
        (23, Decimal("23.00"))]
    assert rows(db, "SELECT watermark_id FROM sync_tracking WHERE entity = 'repayments'") == [
        ("23",)]


def test_quarantined_rows_are_kept_then_released_when_fixed(db, src):
    undisbursed = sb.loan(99, "REJECTED", disbursed_flag=False)
    sb.fill(src, [sb.loan(10), undisbursed], [sb.repayment(100, 10, "2025-03-03", "-5.00"),
                                              sb.repayment(101, 10, "2025-03-04", "0.00"),
                                              sb.repayment(102, 99, "2025-03-04", "10.00")])
    sync(src, "full")
    got = dict(rows(db, "SELECT source_key, reason FROM sync_quarantine"))
    assert got["100"] == "amount '-5.00': must not be negative"
    assert got["101"] == "amount '0.00': must be more than 0"
    assert "unknown loan_id" in got["102"]
    data = rows(db, "SELECT row_data ->> 'payment_date' FROM sync_quarantine "
                    "WHERE source_key = '100'")
    assert data == [("2025-03-03",)]
    sb.execute(src, "UPDATE loans_ajoloanrepayment SET repayment_amount = 5 WHERE id = 100")
    sync(src, "repayments")       # retries the quarantine even without a newer updated_at
    assert rows(db, "SELECT source_key FROM sync_quarantine ORDER BY 1") == [("101",), ("102",)]
    assert rows(db, "SELECT payment_amount FROM repayments") == [(Decimal("5.00"),)]
    out = runner.invoke(app, ["sync", "quarantine"]).output
    assert "Quarantine: 2 row(s)" in out


def test_fix_commands_update_only_their_columns(db, src):
    worked_example(src)
    sync(src, "full")
    sb.execute(src, "UPDATE loans_ajoloan SET start_date = '2025-03-04', "
                    "repayment_amount = 12500, status = 'DEFAULTED' WHERE id = 10")
    sb.execute(src, "UPDATE accounts_customuser SET email = 'ada@new.example', "
                    "user_branch = 'Lekki' WHERE id = 1")
    assert "1 first due date(s) updated" in sync(src, "first-due-dates").output
    assert "1 loan amount(s) updated" in sync(src, "repayment-amounts").output
    assert "1 officer email(s) updated" in sync(src, "officer-emails").output
    assert rows(db, "SELECT first_payment_due_date::text, interest_amount, repayment_amount, "
                    "status FROM loans WHERE loan_id = '10'") == [
        ("2025-03-04", Decimal("2500.00"), Decimal("12500.00"), "Active")]   # not the status
    assert rows(db, "SELECT email, branch FROM officers WHERE officer_id = '1'") == [
        ("ada@new.example", "Ikeja")]
    # the generated schedule followed the new first due date
    assert rows(db, "SELECT min(due_date)::text FROM payment_schedules "
                    "WHERE loan_id = '10'") == [("2025-03-04",)]


def test_check_status_lists_differences_as_csv(db, src, tmp_path):
    worked_example(src)
    sync(src, "full")
    sb.execute(src, "UPDATE loans_ajoloan SET status = 'DEFAULTED' WHERE id = 10")
    with sb.psycopg.connect(src) as conn, conn.cursor() as cur:
        sb.add_loans(cur, [sb.loan(14)])
    out = tmp_path / "status.csv"
    sync(src, "check-status", "--format", "csv", "--output", str(out))
    assert out.read_text().splitlines() == [
        "loan_id,source_status,expected_status,status_here",
        "10,DEFAULTED,Defaulted,Active",
        "14,OPEN,Active,(not here)"]


def test_credentials_are_never_stored_or_printed(db, src):
    parts = urlsplit(src)
    host = parts.hostname or ""
    netloc = f"{parts.username or 'postgres'}:S3cretPw@{host}" + \
        (f":{parts.port}" if parts.port else "")
    with_password = urlunsplit(parts._replace(netloc=netloc))
    worked_example(src)
    result = runner.invoke(app, ["sync", "full", "--source-url", with_password])
    assert result.exit_code == 0, result.output
    status = runner.invoke(app, ["sync", "status"])
    assert "S3cretPw" not in result.output + status.output
    assert rows(db, "SELECT count(*) FROM sync_runs WHERE source LIKE '%S3cretPw%'") == [(0,)]
    assert rows(db, "SELECT count(*) FROM sync_runs WHERE source LIKE '%***%'") == [(1,)]


def test_missing_source_is_a_clear_error(db, monkeypatch):
    monkeypatch.delenv("SOURCE_DATABASE_URL", raising=False)
    result = runner.invoke(app, ["sync", "full"])
    assert result.exit_code == 1
    assert "SOURCE_DATABASE_URL" in result.output


def test_verify_compares_statuses_with_the_source_and_counts_orphan_repayments(db, src):
    worked_example(src)
    undisbursed = sb.loan(99, "REJECTED", disbursed_flag=False)
    with sb.psycopg.connect(src) as conn, conn.cursor() as cur:
        sb.add_loans(cur, [undisbursed])
        sb.add_repayments(cur, [sb.repayment(150, 99, "2025-03-04", "10.00")])
    sync(src, "full")
    sb.execute(src, "UPDATE loans_ajoloan SET status = 'DEFAULTED' WHERE id = 10")
    result = runner.invoke(app, ["verify", "--format", "json", "--details",
                                 "--source-url", src])
    assert result.exit_code == 3, result.output
    checks = {c["name"]: c for c in json.loads(result.output)["checks"]}
    assert (checks["status_mismatches"]["count"], checks["status_mismatches"]["sample"]) == \
        (1, ["10"])
    assert (checks["repayments_unknown_loan"]["count"],
            checks["repayments_unknown_loan"]["sample"]) == (1, ["150"])
