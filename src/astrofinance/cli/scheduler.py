"""`astrofinance scheduler`: run the schedule (sync, recalculation, snapshot, SMS, backup,
maintenance) with one runner at a time; `--list` shows it, `runs` the recorded runs
(ops/scheduler.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import typer
from rich.table import Table

from astrofinance.cli.common import console, database, err_console, handle_errors

app = typer.Typer(help="Run the scheduled jobs (cron schedules in the business time zone; "
                       "one runner at a time across machines).",
                  invoke_without_command=True)


def _local(value: dt.datetime | None, tz: str) -> str:
    from zoneinfo import ZoneInfo

    return f"{value.astimezone(ZoneInfo(tz)):%Y-%m-%d %H:%M}" if value else ""


def _scheduler() -> Any:
    from astrofinance.ops.scheduler import configured

    return configured(database())


@app.callback()
@handle_errors
def scheduler(
    ctx: typer.Context,
    once: bool = typer.Option(False, "--once",
                              help="Run what is due now (and retries whose backoff passed), "
                                   "then exit; nothing when another runner holds the lock."),
    list_: bool = typer.Option(False, "--list", "-l",
                               help="Show each job, its cron, next run and last outcome."),
    poll_seconds: float = typer.Option(15.0, "--poll-seconds", min=0.1,
                                       envvar="ASTROFINANCE_SCHEDULER_POLL_SECONDS",
                                       help="While another runner holds the lock, check for "
                                            "it this often."),
) -> None:
    """Run the schedule until stopped (Ctrl-C or SIGTERM: the job in progress finishes first).

    Jobs: sync-repayments, sync-full, snapshot, sms-overdue, backup, maintenance; each one's
    cron is ASTROFINANCE_SCHEDULE_<JOB> (e.g. ASTROFINANCE_SCHEDULE_SYNC_FULL="0 2 * * 0",
    or "off"). Every attempt is recorded (`astrofinance scheduler runs`, Operations → Jobs);
    a failed job is retried after 1, 5 and 25 minutes.
    """
    if ctx.invoked_subcommand is not None:
        return
    s = _scheduler()
    if list_:
        _list(s)
    elif once:
        _once(s)
    else:
        err_console.print(f"scheduler {s.runner}: {len(s.enabled())} job(s) on; stop with "
                          "Ctrl-C", highlight=False)
        s.run_forever(poll_seconds=poll_seconds,
                      say=lambda m: err_console.print(m, highlight=False))


def _once(s: Any) -> None:
    from astrofinance.ops.scheduler import RunnerLock

    lock = RunnerLock(s.db, s.runner)
    if not lock.try_acquire():
        err_console.print(f"another runner holds the scheduler lock ({lock.holder() or '?'}): "
                          "nothing run", highlight=False)
        return
    try:
        recovered = s.recover()
        if recovered:
            err_console.print(f"closed {recovered} run(s) a stopped runner left running")
        with err_console.status("running the jobs due…"):
            outcomes = s.run_pending()
    finally:
        lock.release()
    for o in outcomes:
        console.print(f"{o.job} ({_local(o.scheduled_for, s.timezone)}, attempt {o.attempt}): "
                      f"{o.status}" + (f": {o.error}" if o.error else ""), highlight=False)
    if not outcomes:
        console.print("Nothing due.")


def _list(s: Any) -> None:
    from astrofinance.db import session_scope
    from astrofinance.ops.scheduler import job_overview

    with session_scope(s.db) as conn:
        overview = job_overview(conn, s.schedule, s.timezone, s.clock())
    table = Table(title=f"Scheduled jobs (times in {s.timezone})")
    for col in ("job", "cron", "next run", "last run", "outcome", "variable"):
        table.add_column(col, overflow="fold")
    for j in overview:
        last = j["last"] or {}
        outcome = last.get("status", "never run")
        if last.get("status") == "retrying":
            outcome += f" (attempt {last['attempt'] + 1} at " \
                       f"{_local(last['next_attempt_at'], s.timezone)})"
        table.add_row(j["job"], j["cron"] or "off", _local(j["next_run"], s.timezone),
                      _local(last.get("scheduled_for"), s.timezone), outcome, j["variable"])
    console.print(table)


@app.command("runs")
@handle_errors
def runs(
    job: str = typer.Option(None, "--job", "-j", help="Only this job's runs."),
    limit: int = typer.Option(20, "--limit", "-n", min=1, max=1000, help="At most this many."),
) -> None:
    """The recorded runs, newest first: each attempt's outcome, duration and error."""
    from astrofinance.config import get_settings
    from astrofinance.db import session_scope
    from astrofinance.ops.scheduler import recent_runs

    tz = get_settings().timezone
    with session_scope(database()) as conn:
        rows = recent_runs(conn, job, limit)
    table = Table(title=f"Scheduler runs ({len(rows)}, times in {tz})")
    for col in ("id", "job", "scheduled for", "attempt", "status", "started", "seconds",
                "runner", "error"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(str(r["id"]), r["job"], _local(r["scheduled_for"], tz), str(r["attempt"]),
                      r["status"], _local(r["started_at"], tz),
                      "" if r["seconds"] is None else str(r["seconds"]),
                      f"{r['host']}:{r['pid']}", r["error"] or "")
    console.print(table)
