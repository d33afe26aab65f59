"""A `sync full` killed with SIGKILL mid-run and run again ends in exactly the state of an
uninterrupted run (compared table by table), from a generated reference source."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from astrofinance.cli.main import app
from astrofinance.db.engine import Database
from astrofinance.sync.mapping import load_mapping
from astrofinance.sync.runner import SCHEDULES, BatchSizes, Silent, Syncer
from astrofinance.sync.source import SqlSource
from tests.sync.conftest import new_source

TABLES = {
    "officers": "officer_id, name, email, phone, branch, hire_date, status",
    "customers": "customer_id, name, phone, state, dob, gender, lga, address",
    "loans": "loan_id, customer_id, officer_id, loan_amount, interest_amount, repayment_amount, "
             "installments, disbursement_date, first_payment_due_date, status, wave, product",
    "repayments": "repayment_id, loan_id, payment_date, payment_amount, is_reversed, channel",
    "holidays": "holiday_date, name, officer_id, source",
    "payment_schedules": "loan_id, installment_no, due_date, amount_due",
    "sync_quarantine": "entity, source_key, reason",
}


def _snapshot(db: Database) -> dict[str, list]:
    with db.begin() as c:
        return {t: [tuple(r) for r in c.execute(text(f"SELECT {cols} FROM {t} ORDER BY {cols}"))]
                for t, cols in TABLES.items()}


def _cursor(db: Database) -> dict:
    with db.begin() as c:
        row = c.execute(text("SELECT cursors FROM sync_runs ORDER BY id DESC LIMIT 1")).first()
    return row[0] if row else {}


def _uninterrupted(source_url: str, pg_server_url: str, template_db: str,
                   used: list[str]) -> dict:
    """The state an uninterrupted full sync leaves, in a second target (a copy of the
    migrated template)."""
    other = Database(new_source(pg_server_url, used, template_db))
    with SqlSource(source_url, load_mapping()) as source:
        Syncer(source, other, BatchSizes(20, 50, 50)).full()
    expected = _snapshot(other)
    other.dispose()
    return expected


def test_a_killed_full_sync_resumes_to_the_uninterrupted_state(db, source_url, pg_server_url,
                                                               template_db, _used_databases):
    src = source_url
    expected = _uninterrupted(src, pg_server_url, template_db, _used_databases)
    assert len(expected["repayments"]) > 1000

    env = {**os.environ, "DATABASE_URL": db.url, "SOURCE_DATABASE_URL": src}
    proc = subprocess.Popen([sys.executable, "-m", "astrofinance", "sync", "full",
                             "--batch-loans", "20", "--batch-repayments", "50",
                             "--batch-rows", "50"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while "repayments" not in _cursor(db):
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, "the sync never reached the repayments"
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_at = _cursor(db)["repayments"]
    assert not killed_at.get("done")
    partial = _snapshot(db)
    assert 0 < len(partial["repayments"]) < len(expected["repayments"])

    result = CliRunner().invoke(app, ["sync", "full", "--batch-repayments", "50",
                                      "--source-url", src])
    assert result.exit_code == 0, result.output
    assert "resuming run" in result.output
    assert _snapshot(db) == expected
    with db.begin() as c:
        runs = c.execute(text("SELECT status, resumed_from IS NOT NULL FROM sync_runs "
                              "ORDER BY id")).all()
    assert [tuple(r) for r in runs] == [("interrupted", False), ("succeeded", True)]
    # the resumed run read only what the killed one had not committed
    with db.begin() as c:
        read = c.execute(text("SELECT (counts -> 'repayments' ->> 'read')::int FROM sync_runs "
                              "ORDER BY id DESC LIMIT 1")).scalar_one()
    assert read == len(expected["repayments"]) - len(partial["repayments"])
    assert expected["sync_quarantine"] == []


@pytest.mark.parametrize("workers", [1, 2])
def test_a_full_sync_stopped_in_its_schedule_step_resumes_it(workers, db, source_url,
                                                             pg_server_url, template_db,
                                                             _used_databases):
    """New loans get their schedules once per run, after the loan batches, a chunk of loans
    per transaction (on `workers` connections): a run stopped there (before it, or between
    chunks) leaves whole chunks scheduled and the other loans without a schedule, and the
    next run (in parallel chunks) schedules exactly those, as an uninterrupted run does."""
    expected = _uninterrupted(source_url, pg_server_url, template_db, _used_databases)
    assert len(expected["payment_schedules"]) > 1000

    class StopAfterFirstChunk(Silent):
        """An operator's Ctrl-C as soon as the first chunk of schedules has committed."""

        def __init__(self) -> None:
            self.steps: list[tuple[str, int | None]] = []

        def entity_started(self, name: str, total: int | None) -> None:
            self.steps.append((name, total))

        def advanced(self, name: str, rows: int) -> None:
            if name == SCHEDULES:
                self.steps.append((name, rows))
                raise KeyboardInterrupt

    stopper = StopAfterFirstChunk()
    with SqlSource(source_url, load_mapping()) as source:
        try:
            Syncer(source, db, BatchSizes(20, 50, 50, schedules=7, workers=workers),
                   stopper).full()
        except KeyboardInterrupt:
            pass
        else:
            raise AssertionError("the run did not stop")
    with db.begin() as c:
        loans, scheduled, partial = c.execute(text(
            "SELECT (SELECT count(*) FROM loans), (SELECT count(*) FROM loan_schedule_state), "
            "(SELECT count(*) FROM loan_schedule_state s JOIN loans l USING (loan_id) "
            " WHERE s.n <> l.installments)")).one()
    # the step saw every new loan, and only its first chunk (with one connection), or whole
    # chunks (with more: one finished, those in flight cancelled or just committed) committed
    assert (SCHEDULES, loans) in stopper.steps and stopper.steps[-1] == (SCHEDULES, 7)
    if workers == 1:
        assert scheduled == 7 < loans
    else:
        assert scheduled % 7 == 0 and 7 <= scheduled <= 7 * (workers + 1) < loans
    assert partial == 0
    assert "repayments" not in _cursor(db)

    with SqlSource(source_url, load_mapping()) as source:
        result = Syncer(source, db, BatchSizes(20, 50, 50, schedules=7, workers=2)).full()
    assert result.resumed_from is not None
    assert _snapshot(db) == expected
    with db.begin() as c:
        assert c.execute(text("SELECT count(*) FROM loans l WHERE NOT EXISTS (SELECT 1 FROM "
                              "loan_schedule_state s WHERE s.loan_id = l.loan_id)")
                         ).scalar_one() == 0
    # and a run with nothing new generates nothing
    with SqlSource(source_url, load_mapping()) as source:
        again = Syncer(source, db, BatchSizes(20, 50, 50)).full()
    assert again.changed == 0
    assert _snapshot(db) == expected
