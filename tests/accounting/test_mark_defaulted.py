"""`mark_defaulted_loans(days_threshold, created_by)` and `astrofinance loans mark-defaulted`:
Active ledger loans beyond the threshold (days past due as of today) become Defaulted, and the
audit log names the person."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from astrofinance.accounting.risk import mark_defaulted
from astrofinance.cli.main import app
from astrofinance.config import reset_settings
from astrofinance.errors import ValidationFailed
from tests.accounting.ledger import book_in_ledger, rows
from tests.metrics.book import add_loan, pay

runner = CliRunner()


def _loan(c, loan_id: str, today: dt.date, late_days: int, status: str = "Active") -> None:
    """Two installments of 1,000.00: the first due `late_days` ago, the second in 20 days."""
    first = today - dt.timedelta(days=late_days)
    add_loan(c, loan_id, principal="2000.00", n=2, status=status,
             disbursed=(first - dt.timedelta(days=30)).isoformat(), first_due=first.isoformat(),
             schedule=[(first.isoformat(), "1000.00", "0", "0"),
                       ((today + dt.timedelta(days=20)).isoformat(), "1000.00", "0", "0")])


def _book(db) -> dt.date:
    with db.begin() as c:
        today = c.execute(text("SELECT business_today()")).scalar_one()
        _loan(c, "LATE40", today, 40)
        _loan(c, "LATE10", today, 10)
        _loan(c, "PAID", today, 40)
        pay(c, "PAID", (today - dt.timedelta(days=41)).isoformat(), "1000.00")
        _loan(c, "ALREADY", today, 40, status="Defaulted")
        _loan(c, "ELSEWHERE", today, 40)             # synced from another system: not booked
        book_in_ledger(c, "LATE40", "LATE10", "PAID", "ALREADY")
    return today


def _state(db) -> dict[str, tuple]:
    with db.begin() as c:
        return {r[0]: (r[1], r[2]) for r in rows(
            c, "SELECT l.loan_id, l.status, a.defaulted_by FROM loans l "
               "LEFT JOIN loan_accounts a USING (loan_id)")}


def test_active_ledger_loans_beyond_the_threshold_become_defaulted(db):
    _book(db)
    with db.begin() as c:
        assert mark_defaulted(c, 30, "risk-officer") == 1
    assert _state(db) == {"LATE40": ("Defaulted", "risk-officer"), "LATE10": ("Active", None),
                          "PAID": ("Active", None), "ALREADY": ("Defaulted", None),
                          "ELSEWHERE": ("Active", None)}
    with db.begin() as c:
        at = rows(c, "SELECT defaulted_at FROM loan_accounts WHERE loan_id = 'LATE40'")[0][0]
        audit = rows(c, "SELECT changed_by, new_values->>'status' FROM audit_logs "
                        "WHERE table_name = 'loans' AND record_id = 'LATE40' "
                        "AND action = 'UPDATE' ORDER BY id")
        assert mark_defaulted(c, 30, "risk-officer") == 0      # nothing left to mark
    assert at is not None
    assert ("risk-officer", "Defaulted") in audit


def test_the_threshold_is_strictly_greater(db):
    _book(db)
    with db.begin() as c:
        assert mark_defaulted(c, 40, "risk-officer") == 0      # 40 days is not > 40
        assert mark_defaulted(c, 9, "risk-officer") == 2       # LATE40 and LATE10
    with db.begin() as c, pytest.raises(ValidationFailed, match="0 or more days"):
        mark_defaulted(c, -1, "risk-officer")
    with db.begin() as c, pytest.raises(ValidationFailed, match="who is acting"):
        mark_defaulted(c, 1, " ")


def test_cli_marks_as_the_acting_user(db, monkeypatch):
    _book(db)
    monkeypatch.setenv("ASTROFINANCE_USER", "ngozi")
    reset_settings()
    r = runner.invoke(app, ["loans", "mark-defaulted", "--days", "5"])
    assert r.exit_code == 0, r.output
    assert "Marked 2 loan(s) Defaulted" in r.output
    assert _state(db)["LATE10"] == ("Defaulted", "ngozi")
    assert runner.invoke(app, ["loans", "mark-defaulted", "--days", "-1"]).exit_code == 2
