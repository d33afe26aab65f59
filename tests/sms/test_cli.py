"""`astrofinance sms ...`: templates, send-overdue (and its dry run), send, history."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from astrofinance.cli.main import app
from tests.sms.book import add_book

runner = CliRunner()
pytestmark = pytest.mark.usefixtures("cli_as_it_admin")


def sms(*args: str):
    return runner.invoke(app, ["sms", *args])


@pytest.fixture
def book(db, monkeypatch):
    with db.begin() as c:
        add_book(c)
    # the whole day is sendable: these tests are not about quiet hours (test_service's are)
    monkeypatch.setenv("ASTROFINANCE_SMS_QUIET_START", "00:00")
    monkeypatch.setenv("ASTROFINANCE_SMS_QUIET_END", "00:00")
    monkeypatch.setenv("ASTROFINANCE_SMS_PROVIDER", "console")
    return db


def history(*args: str) -> list[dict]:
    r = sms("history", "--format", "json", *args)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_templates_commands(book):
    listed = sms("templates", "list")
    assert listed.exit_code == 0 and "overdue" in listed.stdout and "{amount_due}" in \
        listed.stdout
    r = sms("templates", "set", "short", "--body", "{customer_name}: pay {amount_due}",
            "--name", "Short")
    assert r.exit_code == 0, r.output
    shown = sms("templates", "show", "short")
    assert "{customer_name}: pay {amount_due}" in shown.stdout and "Short" in shown.stdout
    preview = sms("templates", "preview", "short", "L-OVERDUE")
    assert preview.exit_code == 0 and "Bola Ade: pay 1,500.50" in preview.stdout
    assert "+2348030000001" in preview.stdout
    bad = sms("templates", "set", "short", "--body", "pay {balance}")
    assert bad.exit_code == 1 and "unknown placeholder" in bad.output
    missing = sms("templates", "show", "nope")
    assert missing.exit_code == 1 and "no SMS template 'nope'" in missing.output


def test_send_overdue_dry_run_then_send_then_history(book):
    dry = sms("send-overdue", "--days", "1", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "Would queue 2" in dry.stdout and "L-OVERDUE" in dry.stdout
    assert history() == []                                 # the dry run wrote nothing
    r = sms("send-overdue", "--days", "1")
    assert r.exit_code == 0 and "Queued 2 reminder(s)" in r.stdout
    assert "Queued 0 reminder(s)" in sms("send-overdue", "--days", "1").stdout
    rows = history("--status", "queued")
    assert sorted(m["loan_id"] for m in rows) == ["L-LATE-30", "L-OVERDUE"]
    assert {m["created_by"] for m in rows} == {"it-admin"}
    sent = sms("send")
    assert sent.exit_code == 0, sent.output
    assert "Sent 2 message(s) via console" in sent.stdout
    assert "SMS to +2348030000001" in sent.stdout   # the console provider prints them
    assert [m["status"] for m in history("--loan", "L-OVERDUE")] == ["sent"]
    assert len(history("--limit", "1")) == 1
    table = sms("history")
    assert table.exit_code == 0 and "L-LATE-30" in table.stdout and "sent" in table.stdout


def test_send_respects_quiet_hours_and_errors_are_clear(book, monkeypatch):
    sms("send-overdue", "--days", "1")
    monkeypatch.setenv("ASTROFINANCE_SMS_QUIET_START", "00:00")
    monkeypatch.setenv("ASTROFINANCE_SMS_QUIET_END", "23:59:59")   # (almost) all day quiet
    held = sms("send")
    assert held.exit_code == 0 and "Quiet hours" in held.output
    assert {m["status"] for m in history()} == {"queued"}
    monkeypatch.setenv("ASTROFINANCE_SMS_PROVIDER", "http")
    no_url = sms("send", "--ignore-quiet-hours")
    assert no_url.exit_code == 1 and "ASTROFINANCE_SMS_HTTP_URL" in no_url.output
    assert sms("send-overdue", "--days", "0").exit_code == 2
    bad = sms("history", "--status", "lost")
    assert bad.exit_code == 2
    assert sms("--help").exit_code == 0 and sms("templates", "--help").exit_code == 0


def test_cancel_queued_messages_by_id_or_all(book):
    assert sms("send-overdue", "--days", "1").exit_code == 0
    queued = {m["loan_id"]: m["id"] for m in history("--status", "queued")}
    assert sorted(queued) == ["L-LATE-30", "L-OVERDUE"]
    # nothing to say which: refused, with the reason
    which = "the ids of the messages to cancel, or --all"
    for args, reason in (([], which), ([str(queued["L-OVERDUE"]), "--all"], which),
                         ([str(queued["L-OVERDUE"]), "--loan", "L-OVERDUE"],
                          "--loan goes with --all")):
        r = sms("cancel", *args)
        assert r.exit_code != 0 and reason in r.output, (args, r.output)
    one = sms("cancel", str(queued["L-OVERDUE"]), "999999")
    assert one.exit_code == 0, one.output
    assert "Cancelled 1 queued message(s)" in one.stdout and "1 of the 2" in one.output
    assert [m["status"] for m in history("--loan", "L-OVERDUE")] == ["cancelled"]
    assert [m["status"] for m in history("--loan", "L-LATE-30")] == ["queued"]
    again = sms("cancel", str(queued["L-OVERDUE"]))
    assert "Cancelled 0 queued message(s)" in again.stdout     # cancelled stays cancelled
    rest = sms("cancel", "--all", "--loan", "L-LATE-30")
    assert rest.exit_code == 0 and "Cancelled 1 queued message(s)" in rest.stdout
    assert history("--status", "queued") == []
    sent = sms("send")
    assert sent.exit_code == 0 and "Sent 0 message(s)" in sent.stdout   # nothing left to send
