"""Waves: the default rules, automatic assignment, rule changes and `astrofinance waves ...`."""

from __future__ import annotations

from sqlalchemy import text
from typer.testing import CliRunner

from astrofinance.cli.main import app
from tests.metrics.book import add_loan, add_officer

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, list(args))


def _waves(db) -> dict[str, str | None]:
    with db.begin() as c:
        return dict(c.execute(text("SELECT loan_id, wave FROM loans")).all())


def _book(db) -> None:
    """OLD hired 2024, NEW hired 2025-10-01; loans either side of 2025-10-20."""
    with db.begin() as c:
        add_officer(c, "OLD", hire_date="2024-05-01")
        add_officer(c, "NEW", hire_date="2025-10-01")
        for loan_id, officer, disbursed in (("A", "OLD", "2025-10-19"), ("B", "OLD", "2025-10-20"),
                                            ("C", "NEW", "2025-10-02"), ("D", None, "2025-01-10")):
            add_loan(c, loan_id, principal="1000.00", n=4, frequency="weekly",
                     disbursed=disbursed, first_due="2025-10-27", officer_id=officer)


def test_default_rules_assign_waves_on_insert(db):
    _book(db)
    # hired on 2025-10-01 -> Wave 2; disbursed on 2025-10-20 -> Wave 2; else Wave 1
    assert _waves(db) == {"A": "Wave 1", "B": "Wave 2", "C": "Wave 2", "D": "Wave 1"}


def test_changing_an_officers_hire_date_moves_their_loans(db):
    _book(db)
    with db.begin() as c:
        c.execute(text("UPDATE officers SET hire_date = '2025-11-01' WHERE officer_id = 'OLD'"))
    assert _waves(db)["A"] == "Wave 2"
    with db.begin() as c:
        c.execute(text("UPDATE officers SET hire_date = '2025-09-30' WHERE officer_id = 'NEW'"))
    assert _waves(db) == {"A": "Wave 2", "B": "Wave 2", "C": "Wave 1", "D": "Wave 1"}


def test_list_shows_rules_and_counts(db):
    _book(db)
    r = _run("waves", "list")
    assert r.exit_code == 0, r.output
    flat = " ".join(r.output.split())  # the table may wrap cells at 80 columns
    for token in ("2025-10-01", "2025-10-20", "always", "1000"):
        assert token in flat
    assert "│ Wave 1 │ 2 │" in flat and "│ Wave 2 │ 2 │" in flat


def test_add_rule_backfills_and_assign_reports_changes(db):
    _book(db)
    r = _run("waves", "add-rule", "--wave", "Wave 3", "--priority", "5",
             "--disbursed-on-or-after", "2025-10-02", "--description", "Q4 push")
    assert r.exit_code == 0, r.output
    flat = " ".join(r.output.split())
    assert "Wave 3 when disbursed on or after 2025-10-02" in flat
    assert "re-assign every loan" in flat
    assert _waves(db) == {"A": "Wave 3", "B": "Wave 3", "C": "Wave 3", "D": "Wave 1"}
    # a loan edited behind the triggers' back is put right by `waves assign`
    with db.begin() as c:
        c.execute(text("ALTER TABLE loans DISABLE TRIGGER trg_loans_assign_wave"))
        c.execute(text("UPDATE loans SET wave = 'Wave 9' WHERE loan_id IN ('A', 'D')"))
        c.execute(text("ALTER TABLE loans ENABLE TRIGGER trg_loans_assign_wave"))
    r = _run("waves", "assign", "--loan-id", "A")
    assert r.exit_code == 0 and "1 loan(s) changed wave." in r.output
    assert _waves(db)["D"] == "Wave 9"
    r = _run("waves", "assign")
    assert "1 loan(s) changed wave." in r.output
    assert _waves(db)["D"] == "Wave 1"
    assert _run("waves", "assign").output.startswith("0 loan(s)")


def test_disable_and_enable_rule(db):
    _book(db)
    with db.begin() as c:
        rule_id = c.execute(text(
            "SELECT id FROM wave_rules WHERE officer_hired_on_or_after IS NOT NULL")).scalar_one()
    r = _run("waves", "disable-rule", str(rule_id))
    assert r.exit_code == 0 and "disabled" in r.output
    assert _waves(db)["C"] == "Wave 1"  # only the hire-date rule made C Wave 2
    r = _run("waves", "enable-rule", str(rule_id))
    assert r.exit_code == 0 and "enabled" in r.output
    assert _waves(db)["C"] == "Wave 2"


def test_errors(db):
    r = _run("waves", "disable-rule", "999")
    assert r.exit_code == 1 and "no wave rule with id 999" in r.output
    r = _run("waves", "add-rule", "--wave", "Gold", "--priority", "1")
    assert r.exit_code == 1 and "is not a wave" in r.output
    assert _run("waves", "add-rule", "--wave", "Wave 3").exit_code == 2  # --priority missing
    r = _run("waves", "add-rule", "--wave", "4", "--priority", "1")
    assert r.exit_code == 0 and "Wave 4 when always" in r.output
