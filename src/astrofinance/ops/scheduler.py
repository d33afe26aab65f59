"""The scheduler: named jobs on cron schedules (business time zone), one runner at a time.

* Schedule: each job's cron (DEFAULT_SCHEDULE in scheduled_jobs.py), overridden by
  ASTROFINANCE_SCHEDULE_<JOB> (the name upper-cased, '-' as '_'): a cron text, or "off".
* When: a job runs when the latest time its cron gives at or before now has no run yet;
  only that latest time runs (a runner started after a missed time catches up once, like
  anacron; older missed times are not replayed).
* Record: each attempt is a row of job_runs (status running, then succeeded, skipped,
  retrying or failed, with the error and what the job reported). A failed attempt is
  retried after a backoff (ASTROFINANCE_SCHEDULE_RETRY_SECONDS, 60, times 5 per attempt:
  1, 5, 25 minutes) until ASTROFINANCE_SCHEDULE_MAX_ATTEMPTS (4) attempts; then failed.
* One runner: the runner holds a session advisory lock on a dedicated connection while it
  lives; a second runner polls for it and takes over when the first ends or dies. Attempts
  left 'running' by a dead runner are then closed (retried like a failure).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import signal
import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from croniter import croniter
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from astrofinance.db import Database, session_scope
from astrofinance.db.engine import libpq_url
from astrofinance.errors import ConfigurationError
from astrofinance.kit.sql import load_sql
from astrofinance.ops.scheduled_jobs import (
    DEFAULT_JOBS,
    DEFAULT_SCHEDULE,
    JobAction,
    JobContext,
    Skipped,
)

_PKG = "astrofinance.ops"
LOCK = "astrofinance.scheduler"
APP_NAME = "astrofinance-scheduler"
MAX_SLEEP = 60.0
log = logging.getLogger("astrofinance.scheduler")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def env_var(job: str) -> str:
    return "ASTROFINANCE_SCHEDULE_" + job.upper().replace("-", "_")


def check_cron(job: str, cron: str) -> str:
    if not croniter.is_valid(cron) or len(cron.split()) != 5:
        raise ConfigurationError(f"{env_var(job)}: {cron!r} is not a cron schedule "
                                 "(5 fields, e.g. '0 */6 * * *') nor 'off'")
    return cron


def schedule_from_env(defaults: Mapping[str, str | None],
                      environ: Mapping[str, str] | None = None) -> dict[str, str | None]:
    """Each job's cron: ASTROFINANCE_SCHEDULE_<JOB> when set ('off': None), else the default."""
    environ = os.environ if environ is None else environ
    result: dict[str, str | None] = {}
    for job, default in defaults.items():
        value = (environ.get(env_var(job)) or "").strip() or default
        off = value is None or value.lower() in ("off", "none", "disabled")
        result[job] = None if off else check_cron(job, value)   # type: ignore[arg-type]
    return result


def latest_due(cron: str, now: dt.datetime, timezone: str) -> dt.datetime:
    """The latest time the cron gives at or before `now`, in the business time zone."""
    local = now.astimezone(ZoneInfo(timezone)).replace(second=0, microsecond=0)
    return croniter(cron, local + dt.timedelta(seconds=1)).get_prev(dt.datetime)


def next_due(cron: str, now: dt.datetime, timezone: str) -> dt.datetime:
    """The first time the cron gives after `now`, in the business time zone."""
    return croniter(cron, now.astimezone(ZoneInfo(timezone))).get_next(dt.datetime)


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts in all (the first and its retries) and the backoff: base × factor^(n-1)."""

    max_attempts: int = 4
    base_seconds: float = 60.0
    factor: float = 5.0

    def delay(self, attempt: int) -> dt.timedelta:
        return dt.timedelta(seconds=self.base_seconds * self.factor ** (attempt - 1))

    @classmethod
    def from_env(cls) -> RetryPolicy:
        try:
            attempts = int(os.environ.get("ASTROFINANCE_SCHEDULE_MAX_ATTEMPTS") or 4)
            base = float(os.environ.get("ASTROFINANCE_SCHEDULE_RETRY_SECONDS") or 60)
        except ValueError:
            raise ConfigurationError("ASTROFINANCE_SCHEDULE_MAX_ATTEMPTS and _RETRY_SECONDS "
                                     "must be numbers") from None
        if attempts < 1 or base < 0:
            raise ConfigurationError("ASTROFINANCE_SCHEDULE_MAX_ATTEMPTS must be at least 1 "
                                     "and ASTROFINANCE_SCHEDULE_RETRY_SECONDS not negative")
        return cls(attempts, base)


@dataclass(frozen=True)
class Outcome:
    job: str
    scheduled_for: dt.datetime
    attempt: int
    status: str
    error: str | None = None


@dataclass
class Scheduler:
    """Runs `jobs` (name → action) on `schedule` (name → cron, None: off)."""

    db: Database
    jobs: Mapping[str, JobAction]
    schedule: Mapping[str, str | None]
    timezone: str
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    clock: Callable[[], dt.datetime] = utcnow
    runner: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")

    def enabled(self) -> dict[str, str]:
        return {job: cron for job, cron in self.schedule.items()
                if cron is not None and job in self.jobs}

    def run_pending(self, now: dt.datetime | None = None) -> list[Outcome]:
        """Run, one after the other, each job whose latest due time has not run yet and each
        retry whose backoff has passed; what each attempt came to."""
        now = now or self.clock()
        done = []
        for job, cron in self.enabled().items():
            attempt = self._attempt_due(job, latest_due(cron, now, self.timezone), now)
            if attempt is not None:
                outcome = self._run(job, *attempt, now)
                if outcome is not None:
                    done.append(outcome)
        return done

    def _attempt_due(self, job: str, due: dt.datetime, now: dt.datetime
                     ) -> tuple[dt.datetime, int] | None:
        with session_scope(self.db) as conn:
            last = conn.execute(text(load_sql(_PKG, "scheduler_last_run")), {"job": job}
                                ).mappings().first()
            if last is None or last["scheduled_for"] < due:
                conn.execute(text(load_sql(_PKG, "scheduler_supersede")),
                             {"job": job, "due": due})
                return due, 1
        if last["status"] == "retrying" and last["next_attempt_at"] <= now:
            return last["scheduled_for"], last["attempt"] + 1
        return None

    def _run(self, job: str, scheduled_for: dt.datetime, attempt: int,
             now: dt.datetime) -> Outcome | None:
        host, _, pid = self.runner.rpartition(":")
        with session_scope(self.db) as conn:
            run_id = conn.execute(text(load_sql(_PKG, "scheduler_start")), {
                "job": job, "at": scheduled_for, "attempt": attempt, "host": host,
                "pid": int(pid)}).scalar()
        if run_id is None:          # another runner started this attempt
            return None
        log.info("job %s (%s, attempt %d) started", job, scheduled_for, attempt)
        ctx = JobContext(self.db, _settings(), scheduled_for,
                         now.astimezone(ZoneInfo(self.timezone)).date())
        status, error, detail, retry_at = "succeeded", None, None, None
        try:
            detail = self.jobs[job](ctx)
        except Skipped as e:
            status, error = "skipped", str(e)
        except Exception as e:  # noqa: BLE001  (any failure is recorded and retried)
            error = (str(e) or type(e).__name__)[:4000]
            if attempt < self.retry.max_attempts:
                status, retry_at = "retrying", now + self.retry.delay(attempt)
            else:
                status = "failed"
            log.warning("job %s (attempt %d) failed: %s", job, attempt, error)
        self._finish(run_id, status, error, detail, retry_at)
        log.info("job %s (%s, attempt %d): %s", job, scheduled_for, attempt, status)
        return Outcome(job, scheduled_for, attempt, status, error)

    def _finish(self, run_id: int, status: str, error: str | None,
                detail: dict[str, Any] | None, retry_at: dt.datetime | None) -> None:
        with session_scope(self.db) as conn:
            conn.execute(text(load_sql(_PKG, "scheduler_finish")), {
                "id": run_id, "status": status, "error": error, "retry_at": retry_at,
                "detail": json.dumps(detail, default=str) if detail is not None else None})

    def recover(self, now: dt.datetime | None = None) -> int:
        """Close the attempts a dead runner left 'running' (call while holding the lock):
        retried like a failure; how many."""
        with session_scope(self.db) as conn:
            return conn.execute(text(load_sql(_PKG, "scheduler_recover")), {
                "now": now or self.clock(), "max": self.retry.max_attempts,
                "base": self.retry.base_seconds, "factor": self.retry.factor}).rowcount

    def next_wake(self, now: dt.datetime) -> dt.datetime:
        """The next due time of any job or retry (at most MAX_SLEEP seconds from now)."""
        times = [next_due(cron, now, self.timezone) for cron in self.enabled().values()]
        with session_scope(self.db) as conn:
            retry = conn.execute(text("SELECT min(next_attempt_at) FROM job_runs WHERE "
                                      "status = 'retrying'")).scalar()
        times += [retry] if retry is not None else []
        return min([*times, now + dt.timedelta(seconds=MAX_SLEEP)])

    def run_forever(self, stop: threading.Event | None = None, poll_seconds: float = 15.0,
                    say: Callable[[str], None] = log.info) -> None:
        """Hold the runner lock (waiting for it, polling) and run what is due, sleeping
        until the next due time; until `stop` is set (SIGINT/SIGTERM in the main thread)."""
        stop = stop or stop_on_signals(say)
        lock = RunnerLock(self.db, self.runner)
        state = {"waiting": False}
        try:
            while not stop.is_set():
                try:
                    pause = self._turn(lock, state, poll_seconds, say)
                except (psycopg.Error, DBAPIError) as e:   # the database is away: try again
                    say(f"database error: {str(e).strip().splitlines()[0] if str(e) else e}; "
                        f"trying again in {poll_seconds:g} s")
                    lock.release()
                    pause = poll_seconds
                stop.wait(pause)
        finally:
            lock.release()
        say("scheduler stopped")

    def _turn(self, lock: RunnerLock, state: dict[str, bool], poll_seconds: float,
              say: Callable[[str], None]) -> float:
        """One turn of the loop: take the lock (or wait for it), run what is due; the seconds
        to wait before the next turn."""
        if not lock.held():
            if not lock.try_acquire():
                if not state["waiting"]:
                    say(f"another runner holds the lock ({lock.holder() or '?'}); "
                        f"waiting, checking every {poll_seconds:g} s")
                    state["waiting"] = True
                return poll_seconds
            state["waiting"] = False
            say(f"runner {self.runner}: holding the scheduler lock"
                + (f"; closed {n} interrupted run(s)" if (n := self.recover()) else ""))
        self.run_pending()
        now = self.clock()
        return max((self.next_wake(now) - now).total_seconds(), 0.5)


def _settings() -> Any:
    from astrofinance.config import get_settings

    return get_settings()


def in_background(scheduler: Scheduler, stop: threading.Event,
                  poll_seconds: float = 15.0) -> threading.Thread:
    """Run the scheduler's loop in a daemon thread (`serve --scheduler`) until `stop` is set
    (it stops after the job in progress)."""
    thread = threading.Thread(target=scheduler.run_forever, name="scheduler", daemon=True,
                              kwargs={"stop": stop, "poll_seconds": poll_seconds})
    thread.start()
    return thread


def stop_on_signals(say: Callable[[str], None] = log.info) -> threading.Event:
    """An event set by SIGINT or SIGTERM (the job in progress finishes first)."""
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        def handler(signum: int, _frame: Any) -> None:
            say(f"{signal.Signals(signum).name}: stopping after the job in progress")
            stop.set()

        signal.signal(signal.SIGINT, handler)
        signal.signal(signal.SIGTERM, handler)
    return stop


class RunnerLock:
    """The scheduler's session advisory lock on a dedicated connection (held while open)."""

    def __init__(self, db: Database, runner: str) -> None:
        self.db, self.url, self.runner = db, libpq_url(db.url), runner
        self.conn: psycopg.Connection | None = None

    def try_acquire(self) -> bool:
        self.release()
        conn = psycopg.connect(self.url, autocommit=True,
                               application_name=f"{APP_NAME} {self.runner}"[:63])
        got = conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [LOCK]).fetchone()
        if got and got[0]:
            self.conn = conn
            return True
        conn.close()
        return False

    def held(self) -> bool:
        """Still held (the connection alive: a lost connection lost the lock)."""
        if self.conn is None:
            return False
        try:
            self.conn.execute("SELECT 1")
            return True
        except psycopg.Error:
            self.release()
            return False

    def holder(self) -> str | None:
        with session_scope(self.db) as conn:
            return lock_holder(conn)

    def release(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            finally:
                self.conn = None


def configured_jobs() -> tuple[Mapping[str, JobAction], dict[str, str | None]]:
    """This installation's jobs and schedule: the default jobs (or those of the module named
    by ASTROFINANCE_SCHEDULER_JOBS, which has JOBS and SCHEDULE: for tests and extensions),
    each one's cron with the environment's overrides."""
    jobs: Mapping[str, JobAction] = DEFAULT_JOBS
    defaults: Mapping[str, str | None] = DEFAULT_SCHEDULE
    module = os.environ.get("ASTROFINANCE_SCHEDULER_JOBS")
    if module:
        import importlib

        loaded = importlib.import_module(module)
        jobs, defaults = loaded.JOBS, loaded.SCHEDULE
    return jobs, schedule_from_env(defaults)


def configured(db: Database, timezone: str | None = None) -> Scheduler:
    """The scheduler of this installation (configured_jobs), the retry policy from the
    environment."""
    jobs, schedule = configured_jobs()
    return Scheduler(db, jobs, schedule, timezone or _settings().timezone,
                     RetryPolicy.from_env())


def job_overview(conn: Connection, schedule: Mapping[str, str | None], timezone: str,
                 now: dt.datetime) -> list[dict[str, Any]]:
    """Each job: its cron (None: off), its variable, the next run, and its latest attempt."""
    last = {r["job"]: dict(r) for r in conn.execute(
        text(load_sql(_PKG, "scheduler_latest"))).mappings()}
    return [{"job": job, "cron": cron, "variable": env_var(job),
             "next_run": next_due(cron, now, timezone) if cron else None,
             "last": last.get(job)} for job, cron in schedule.items()]


def recent_runs(conn: Connection, job: str | None = None,
                limit: int = 50) -> list[dict[str, Any]]:
    """The latest attempts (of one job, or all), newest first."""
    return [dict(r) for r in conn.execute(text(load_sql(_PKG, "scheduler_runs")),
                                          {"job": job, "limit": limit}).mappings()]


def lock_holder(conn: Connection) -> str | None:
    """Which runner holds the scheduler lock now (its application name, since when), or
    None."""
    return conn.execute(text(load_sql(_PKG, "scheduler_lock_holder")), {"lock": LOCK}).scalar()
