"""`astrofinance audit log`: filters, newest first, table and JSON output, clear errors."""

from __future__ import annotations

import json

from sqlalchemy import text
from typer.testing import CliRunner

from astrofinance.auth.context import act_as
from astrofinance.cli.main import app
from tests.metrics.book import add_officer

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, ["audit", "log", *args])


def entries(*args: str) -> list[dict]:
    r = run(*args, "--format", "json")
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


def make_history(db) -> None:
    with db.begin() as c:
        act_as(c, "ada")
        add_officer(c, "O1")
        add_officer(c, "O2")
    with db.begin() as c:
        act_as(c, "bola")
        c.execute(text("UPDATE officers SET status = 'Exited' WHERE officer_id = 'O1'"))
        c.execute(text("INSERT INTO holidays (holiday_date, name) VALUES ('2031-01-02', 'X')"))
        c.execute(text("DELETE FROM officers WHERE officer_id = 'O2'"))
    with db.begin() as c:   # one row from long ago
        c.execute(text("SET LOCAL session_replication_role = replica"))
        c.execute(text("INSERT INTO audit_logs (table_name, record_id, action, changed_by, "
                       "changed_at) VALUES ('officers', 'O0', 'INSERT', 'old', "
                       "'2020-01-01 12:00+01')"))


def test_filters_and_order(db):
    make_history(db)
    every = entries("--table", "officers")
    assert [(e["record_id"], e["action"], e["changed_by"]) for e in every] == [
        ("O2", "DELETE", "bola"), ("O1", "UPDATE", "bola"), ("O2", "INSERT", "ada"),
        ("O1", "INSERT", "ada"), ("O0", "INSERT", "old")]
    assert [e["action"] for e in entries("--record", "O1")] == ["UPDATE", "INSERT"]
    assert {e["table"] for e in entries("--user", "bola")} == {"officers", "holidays"}
    assert [e["record_id"] for e in entries("--action", "delete")] == ["O2"]
    assert len(entries("--table", "officers", "--limit", "2")) == 2
    assert "O0" not in [e["record_id"] for e in entries("--since", "2025-01-01")]
    assert [e["record_id"] for e in entries("--table", "officers", "--since", "2019-12-31",
                                            "--user", "old")] == ["O0"]
    update = entries("--record", "O1", "--action", "UPDATE")[0]
    assert update["old_values"] == {"status": None} and update["new_values"] == \
        {"status": "Exited"}


def test_table_output_is_compact(db):
    make_history(db)
    r = run("--table", "officers", "--record", "O1")
    assert r.exit_code == 0, r.output
    assert "status: ∅ → Exited" in r.output and "bola" in r.output
    assert "officer_id=O1" in r.output


def test_bad_filters_are_clear_errors(db):
    make_history(db)
    r = run("--table", "nope")
    assert r.exit_code == 1 and "'nope' is not an audited table" in r.output
    assert "loans" in r.output
    r = run("--action", "MERGE")
    assert r.exit_code == 1 and "the actions are: INSERT, UPDATE, DELETE, BULK, TRUNCATE" \
        in r.output
    assert run("--since", "2025-13-01").exit_code == 2
    r = run("--limit", "0")
    assert r.exit_code == 1 and "--limit must be between 1 and 10,000" in r.output
    r = run("--table", "officers; DROP TABLE loans")
    assert r.exit_code == 1
    with db.begin() as c:
        assert c.execute(text("SELECT count(*) FROM loans")).scalar_one() == 0


def test_every_cli_command_acts_as_the_configured_user(db, monkeypatch):
    from astrofinance.config import reset_settings

    monkeypatch.setenv("ASTROFINANCE_USER", "Ada Obi")
    reset_settings()
    try:
        r = runner.invoke(app, ["holidays", "add", "2031-01-02", "Company retreat"])
        assert r.exit_code == 0, r.output
        [entry] = entries("--table", "holidays")
    finally:
        monkeypatch.delenv("ASTROFINANCE_USER")
        reset_settings()
    assert (entry["action"], entry["changed_by"]) == ("INSERT", "Ada Obi")
    assert entry["new_values"]["name"] == "Company retreat"
