"""`astrofinance verify`: the summary, each check failing and passing, thresholds, exit codes."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from astrofinance.cli.main import app
from astrofinance.ops import quality
from tests.metrics.book import add_loan, add_officer, pay

runner = CliRunner()
ALL_CHECKS = ["loans_without_schedule", "loans_without_first_due_date",
              "repayments_before_disbursement", "repayments_non_positive_amount",
              "officers_without_hierarchy", "stale_sync", "repayments_unknown_loan"]


@pytest.fixture(autouse=True)
def _no_configured_limits(monkeypatch):
    monkeypatch.delenv("ASTROFINANCE_VERIFY_MAX", raising=False)


def _verify(*args: str):
    return runner.invoke(app, ["verify", *args])


def _json(*args: str) -> tuple[int, dict]:
    r = _verify("--format", "json", *args)
    assert r.exit_code in (0, 3), r.output
    return r.exit_code, json.loads(r.output)


def _statuses(data: dict) -> dict[str, tuple]:
    return {c["name"]: (c["status"], c["count"], c["max"]) for c in data["checks"]}


def _clean_book(db) -> None:
    """Two officers with a hierarchy, three loans with schedules, good repayments, a fresh sync."""
    with db.begin() as c:
        for officer in ("OFA", "OFB"):
            add_officer(c, officer)
        c.execute(text("UPDATE officers SET vertical_lead_email = 'vl@example.ng', "
                       "region = 'Lagos'"))
        for loan_id, officer in (("LA", "OFA"), ("LB", "OFA"), ("LC", "OFB")):
            add_loan(c, loan_id, principal="1000.00", n=4, frequency="weekly",
                     disbursed="2025-03-03", first_due="2025-03-10", officer_id=officer)
        pay(c, "LA", "2025-03-10", "250.00")
        pay(c, "LC", "2025-03-03", "100.00")          # on the disbursement day: fine
        c.execute(text("INSERT INTO sync_tracking (entity, last_sync_at) VALUES "
                       "('loans', now() - interval '2 hours'), "
                       "('repayments', now() - interval '40 hours')"))


def test_a_clean_book_passes_with_exit_code_0_and_the_seed_summary(db):
    _clean_book(db)
    with db.begin() as c:    # stored fields, as a recalculation leaves them
        c.execute(text("UPDATE loans SET current_dpd = 3, max_dpd_ever = 3, "
                       "total_outstanding = 100.50 WHERE loan_id = 'LA'"))
        c.execute(text("UPDATE loans SET current_dpd = 0, max_dpd_ever = 0, "
                       "total_outstanding = 50.25 WHERE loan_id = 'LB'"))
    code, data = _json()
    assert code == 0
    assert data["passed"] is True and data["failed"] == []
    # status_mismatches needs a source (none here): skipped
    assert _statuses(data) == {**{name: ("PASS", 0, 0) for name in ALL_CHECKS},
                               "status_mismatches": ("SKIP", None, 0)}
    # AVG ignores LC's NULLs: dpd (3 + 0) / 2, outstanding (100.50 + 50.25) / 2 rounded
    assert data["summary"] == {"total_loans": 3, "with_wave": 3, "with_vertical_lead": 3,
                               "with_region": 3, "with_first_payment_due": 3,
                               "avg_dpd": 1.5, "avg_outstanding": "75.38"}
    assert "sample" not in data["checks"][0]
    r = _verify()
    assert r.exit_code == 0
    out = " ".join(r.output.split())
    assert "│ total loans │ 3 │" in out and "│ average outstanding │ 75.38 │" in out
    assert "All checks passed." in out


def _no_schedule(c) -> None:
    c.execute(text("DELETE FROM payment_schedules WHERE loan_id IN ('LA', 'LC')"))


def _no_first_due(c) -> None:
    add_loan(c, "LS", principal="500.00", n=2, disbursed="2025-03-03", first_due="2025-03-04",
             officer_id="OFA", schedule=[("2025-03-04", "250.00", "0", "0"),
                                         ("2025-03-05", "250.00", "0", "0")])
    c.execute(text("UPDATE loans SET first_payment_due_date = NULL WHERE loan_id = 'LS'"))


def _early_repayments(c) -> None:
    pay(c, "LB", "2025-03-02", "10.00")
    pay(c, "LB", "2024-12-31", "20.00", reversed=True)


def _non_positive(c) -> None:
    c.execute(text("ALTER TABLE repayments DROP CONSTRAINT repayments_payment_amount_check"))
    c.execute(text("INSERT INTO repayments (repayment_id, loan_id, payment_date, payment_amount) "
                   "VALUES ('RZERO', 'LA', '2025-03-11', 0), ('RNEG', 'LB', '2025-03-11', -5)"))


def _no_hierarchy(c) -> None:
    c.execute(text("UPDATE officers SET region = ' ' WHERE officer_id = 'OFB'"))
    add_officer(c, "OFC")
    add_officer(c, "IDLE")   # no hierarchy, but no loans either: not counted
    add_loan(c, "LD", principal="100.00", n=1, disbursed="2025-03-03", first_due="2025-03-04",
             officer_id="OFC")


def _stale(c) -> None:
    c.execute(text("UPDATE sync_tracking SET last_sync_at = now() - interval '27 hours' "
                   "WHERE entity = 'loans'"))


@pytest.mark.parametrize(("breaker", "check", "count", "sample"), [
    (_no_schedule, "loans_without_schedule", 2, ["LA", "LC"]),
    (_no_first_due, "loans_without_first_due_date", 1, ["LS"]),
    (_early_repayments, "repayments_before_disbursement", 2, None),
    (_non_positive, "repayments_non_positive_amount", 2, ["RNEG", "RZERO"]),
    (_no_hierarchy, "officers_without_hierarchy", 2, ["OFB", "OFC"]),
    (_stale, "stale_sync", 1, None),
])
def test_each_check_fails_alone_with_exit_code_3(db, breaker, check, count, sample):
    _clean_book(db)
    with db.begin() as c:
        breaker(c)
    code, data = _json("--details")
    assert code == 3
    assert data["passed"] is False and data["failed"] == [check]
    statuses = _statuses(data)
    assert statuses[check] == ("FAIL", count, 0)
    assert all(s[0] == "PASS" for name, s in statuses.items()
               if name not in (check, "status_mismatches"))
    found = next(c for c in data["checks"] if c["name"] == check)
    assert len(found["sample"]) == count
    if sample is not None:
        assert found["sample"] == sample
    # the same count as the maximum passes
    code, data = _json("--max", f"{check}={count}")
    assert code == 0 and _statuses(data)[check] == ("PASS", count, count)


def test_stale_sync_never_synced_age_option_and_no_sync_check(db):
    _clean_book(db)
    with db.begin() as c:
        c.execute(text("DELETE FROM sync_tracking"))
    code, data = _json("--details")
    assert code == 3 and data["failed"] == ["stale_sync"]
    stale = next(c for c in data["checks"] if c["name"] == "stale_sync")
    assert stale["sample"] == ["no sync has ever run"]
    code, data = _json("--no-sync-check")
    assert code == 0 and _statuses(data)["stale_sync"] == ("SKIP", None, 0)
    with db.begin() as c:
        c.execute(text("INSERT INTO sync_tracking (entity, last_sync_at) "
                       "VALUES ('loans', now() - interval '30 hours')"))
    assert _json()[0] == 3
    assert _json("--sync-max-age-hours", "31")[0] == 0
    r = _verify("--details")
    assert r.exit_code == 3
    assert "stale_sync (first 1 of 1): newest sync at" in r.output
    assert "(30.0 h ago)" in r.output


def test_limits_from_the_environment_and_the_command_line(db, monkeypatch):
    _clean_book(db)
    with db.begin() as c:
        _early_repayments(c)
        _no_hierarchy(c)
    monkeypatch.setenv("ASTROFINANCE_VERIFY_MAX",
                       "repayments_before_disbursement=5, officers_without_hierarchy=2")
    code, data = _json()
    assert code == 0
    assert _statuses(data)["repayments_before_disbursement"] == ("PASS", 2, 5)
    assert _statuses(data)["officers_without_hierarchy"] == ("PASS", 2, 2)
    code, data = _json("--max", "officers_without_hierarchy=1")    # the command line wins
    assert code == 3 and data["failed"] == ["officers_without_hierarchy"]
    assert _statuses(data)["repayments_before_disbursement"] == ("PASS", 2, 5)
    monkeypatch.setenv("ASTROFINANCE_VERIFY_MAX", "officers_without_hierarchy")
    r = _verify()
    assert r.exit_code == 1 and "ASTROFINANCE_VERIFY_MAX" in r.output


@pytest.mark.parametrize("args", [["--max", "nonsense"], ["--max", "no_such_check=1"],
                                  ["--max", "stale_sync=-1"], ["--skip", "no_such_check"],
                                  ["--format", "xml"]])
def test_bad_usage_exits_2(db, args):
    r = _verify(*args)
    assert r.exit_code == 2, r.output


def test_table_output_lists_failures_and_details(db):
    _clean_book(db)
    with db.begin() as c:
        _no_schedule(c)
    r = _verify("--details", "--details-limit", "1")
    assert r.exit_code == 3
    out = " ".join(r.output.split())
    assert "│ loans_without_schedule │ 2 │ 0 │ FAIL │" in out
    assert "loans_without_schedule (first 1 of 2): LA" in out
    assert "Failed: loans_without_schedule" in out


def test_an_appended_check_with_a_callable_runs_like_the_others(db, monkeypatch):
    _clean_book(db)

    def big_loans(conn, ctx):
        return quality.count_offenders(
            conn, "SELECT loan_id AS id FROM loans WHERE loan_amount >= :floor", ctx,
            {"floor": 1000})

    extra = quality.Check("big_loans", "loans of 1,000 or more", measure=big_loans)
    monkeypatch.setattr(quality, "CHECKS", [*quality.CHECKS, extra])
    code, data = _json("--details", "--details-limit", "2")
    assert code == 3 and data["failed"] == ["big_loans"]
    assert data["checks"][-1] == {"name": "big_loans", "description": "loans of 1,000 or more",
                                  "count": 3, "max": 0, "status": "FAIL",
                                  "sample": ["LA", "LB"]}
    assert _json("--max", "big_loans=3")[0] == 0
