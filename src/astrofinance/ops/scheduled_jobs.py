"""The scheduler's default jobs (ops/scheduler.py runs them): each calls the service its CLI
command calls, as the user `scheduler` in the audit log, and returns what it did (stored in
job_runs.detail). A job that cannot run raises Skipped with the reason."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from astrofinance.config import Settings
from astrofinance.db import Database, session_scope

ACTOR = "scheduler"


class Skipped(Exception):
    """The job did not run, for this reason (recorded as skipped, not retried)."""


@dataclass(frozen=True)
class JobContext:
    """What a job gets: the database, the settings, when it was due and the business day."""

    db: Database
    settings: Settings
    scheduled_for: dt.datetime
    today: dt.date


JobAction = Callable[[JobContext], "dict[str, Any] | None"]


def _sync(ctx: JobContext, command: str) -> dict[str, Any]:
    """A sync from the configured source (as the API starts one), then a recalculation."""
    from astrofinance.sync.jobs import _acting_url
    from astrofinance.sync.mapping import load_mapping
    from astrofinance.sync.runner import INCREMENTAL, BatchSizes, Syncer
    from astrofinance.sync.source import SqlSource

    s = ctx.settings
    if not s.source_database_url:
        raise Skipped("no sync source is configured (SOURCE_DATABASE_URL)")
    acting = Database(_acting_url(ctx.db.url, ACTOR))
    try:
        with SqlSource(None, load_mapping(s.sync_mapping), s) as source:
            sizes = BatchSizes(s.sync_batch_loans, s.sync_batch_repayments, s.sync_batch_rows,
                               workers=s.sync_workers)
            syncer = Syncer(source, acting, sizes, overlap_minutes=s.sync_overlap_minutes)
            result = syncer.full() if command == "full" else syncer.incremental(INCREMENTAL)
    finally:
        acting.dispose()
    return {"sync_run": result.run_id, "sync_status": result.status,
            "changed": result.changed, "rejected": result.rejected, **_recalculate(ctx)}


def _recalculate(ctx: JobContext) -> dict[str, Any]:
    from astrofinance.metrics.service import recalculate

    with session_scope(ctx.db) as conn:
        done = recalculate(conn, ctx.today)
    return {"recalculated_as_of": done.as_of.isoformat(),
            "loans": done.total_loans_processed}


def sync_repayments(ctx: JobContext) -> dict[str, Any]:
    """Incremental sync (officers, customers, loans, repayments), then recalculate."""
    return _sync(ctx, "repayments")


def sync_full(ctx: JobContext) -> dict[str, Any]:
    """Full sync (resuming an unfinished one), then recalculate."""
    return _sync(ctx, "full")


def snapshot(ctx: JobContext) -> dict[str, Any]:
    """Store today's portfolio snapshot, unless a recalculation as of today stored it."""
    from astrofinance.metrics.snapshots import store_snapshot

    with session_scope(ctx.db) as conn:
        stored = conn.execute(text(
            "SELECT (SELECT as_of FROM loan_fields_stored_state()) = :d AND EXISTS "
            "(SELECT 1 FROM portfolio_snapshots WHERE as_of = :d)"), {"d": ctx.today}
        ).scalar()
        if stored:
            raise Skipped(f"the recalculation as of {ctx.today} stored its snapshot")
        rows = store_snapshot(conn, ctx.today)
    return {"as_of": ctx.today.isoformat(), "rows": rows}


def sms_overdue(ctx: JobContext) -> dict[str, Any]:
    """Queue the reminders for loans 1+ days overdue, then send the queue (as `sms
    send-overdue` and `sms send` do; quiet hours hold the messages)."""
    from astrofinance.auth.context import act_as
    from astrofinance.sms.providers import provider_from_settings
    from astrofinance.sms.service import Delivery, deliver_due, queue_overdue
    from astrofinance.sms.settings import sms_settings

    with session_scope(ctx.db) as conn:
        act_as(conn, ACTOR)
        queued = queue_overdue(conn, 1, ACTOR, ctx.today)
    settings = sms_settings()
    provider, total = provider_from_settings(settings), Delivery()
    while True:
        with session_scope(ctx.db) as conn:
            batch = deliver_due(conn, provider, settings, now=dt.datetime.now(dt.UTC),
                                timezone=ctx.settings.timezone)
        total.add(batch)
        if batch.held or batch.attempted < settings.batch_size:
            break
    return {"queued": queued, "sent": total.sent, "retrying": total.retrying,
            "failed": total.failed, "held_for_quiet_hours": batch.held,
            "provider": provider.name}


def _backup(ctx: JobContext) -> Any:
    from astrofinance.ops.backup import backup_dir, configured, create_backup

    return create_backup(ctx.db.url, backup_dir(), retention_days=configured("retention_days", 30),
                         retention_count=configured("retention_count", 10))


def backup(ctx: JobContext) -> dict[str, Any]:
    """A verified backup to the configured directory, then retention."""
    made = _backup(ctx)
    return {"file": str(made.path), "bytes": made.size, "sha256": made.sha256,
            "deleted": [p.name for p in made.deleted]}


def maintenance(ctx: JobContext) -> dict[str, Any]:
    """`astrofinance maintenance`: a backup first, VACUUM, REINDEX, the in-database part,
    a recalculation and the statistics."""
    from astrofinance.ops.maintenance import run_maintenance

    report = run_maintenance(ctx.db, backup=lambda: str(_backup(ctx).path), user=ACTOR,
                             today=ctx.today)
    return {"steps": [{"name": s.name, "seconds": s.seconds, "detail": s.detail}
                      for s in report.steps]}


DEFAULT_SCHEDULE: dict[str, str] = {
    "sync-repayments": "0 */6 * * *",
    "sync-full": "0 2 * * 0",
    "snapshot": "45 23 * * *",
    "sms-overdue": "0 9 * * *",
    "backup": "0 1 * * *",
    "maintenance": "0 3 * * 0",
}
"""Each job's cron (business time zone); ASTROFINANCE_SCHEDULE_<JOB> overrides it."""

DEFAULT_JOBS: dict[str, JobAction] = {
    "sync-repayments": sync_repayments, "sync-full": sync_full, "snapshot": snapshot,
    "sms-overdue": sms_overdue, "backup": backup, "maintenance": maintenance,
}
