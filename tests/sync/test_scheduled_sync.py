"""The scheduler's sync jobs against a real source (the generated reference book): sync-full
then sync-repayments, each a recorded sync run followed by a recalculation as of the business
day, the sync's writes audited as the user `scheduler`; a new source repayment arrives with
the next incremental run."""

from __future__ import annotations

import datetime as dt

import psycopg
from sqlalchemy import text

from astrofinance.config import get_settings, reset_settings
from astrofinance.db import session_scope
from astrofinance.ops.scheduled_jobs import DEFAULT_JOBS, DEFAULT_SCHEDULE
from astrofinance.ops.scheduler import Scheduler


def test_the_sync_jobs_sync_and_recalculate(db, source_url, monkeypatch):
    monkeypatch.setenv("SOURCE_DATABASE_URL", source_url)
    reset_settings()
    try:
        today = get_settings().today()
        names = ("sync-full", "sync-repayments")
        s = Scheduler(db, DEFAULT_JOBS, {n: DEFAULT_SCHEDULE[n] for n in names},
                      "Africa/Lagos")
        outcomes = {o.job: o for o in s.run_pending()}
        assert {n: (o.status, o.error) for n, o in outcomes.items()} == {
            "sync-full": ("succeeded", None), "sync-repayments": ("succeeded", None)}
        with session_scope(db) as conn:
            runs = conn.execute(text("SELECT command, status FROM sync_runs ORDER BY id")).all()
            loans = conn.execute(text("SELECT count(*) FROM loans")).scalar_one()
            stored = conn.execute(text("SELECT as_of FROM loan_fields_stored_state()")).scalar()
            detail = dict(conn.execute(text("SELECT job, detail FROM job_runs")).all())
            paid = conn.execute(text("SELECT count(*) FROM repayments")).scalar_one()
            by = set(conn.execute(text("SELECT DISTINCT changed_by FROM audit_logs WHERE "
                                       "action = 'BULK'")).scalars())
        assert [tuple(r) for r in runs] == [("full", "succeeded"), ("repayments", "succeeded")]
        assert loans > 250 and stored == today and by == {"scheduler"}
        assert detail["sync-full"]["loans"] == loans           # every loan recalculated
        assert detail["sync-full"]["recalculated_as_of"] == today.isoformat()

        with psycopg.connect(source_url, autocommit=True) as src:   # a repayment arrives
            src.execute("INSERT INTO loans_ajoloanrepayment (id, ajo_loan_id, paid_date, "
                        "repayment_amount, repayment_type, created_at, updated_at) "
                        "SELECT max(id) + 1, (SELECT min(id) FROM loans_ajoloan WHERE "
                        "is_disbursed), current_date - 1, 500, 'TRANSFER', now(), now() "
                        "FROM loans_ajoloanrepayment")
        incremental = Scheduler(db, DEFAULT_JOBS, {"sync-repayments": "0 */6 * * *"},
                                "Africa/Lagos")
        [again] = incremental.run_pending(dt.datetime.now(dt.UTC) + dt.timedelta(hours=6))
        assert (again.job, again.status) == ("sync-repayments", "succeeded")
        with session_scope(db) as conn:
            last = conn.execute(text("SELECT detail FROM job_runs ORDER BY id DESC LIMIT 1")
                                ).scalar_one()
            assert conn.execute(text("SELECT count(*) FROM repayments")).scalar_one() == paid + 1
        assert last["changed"] >= 1 and last["sync_status"] == "succeeded"
    finally:
        reset_settings()
