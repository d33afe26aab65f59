"""The scheduler on a real database: cron times in the business time zone, a due job run
once, a failing job recorded and retried after its backoff, the default jobs calling the
real services, and two real runner processes of which only one runs each job (the other
waits and takes over when the first is killed, finishing the job it left)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from astrofinance.db import Database, session_scope
from astrofinance.errors import ConfigurationError
from astrofinance.ops.scheduled_jobs import DEFAULT_JOBS, DEFAULT_SCHEDULE, Skipped
from astrofinance.ops.scheduler import (
    RetryPolicy,
    Scheduler,
    job_overview,
    latest_due,
    next_due,
    schedule_from_env,
)

ROOT = Path(__file__).resolve().parents[2]
LAGOS = ZoneInfo("Africa/Lagos")
UTC = dt.UTC


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def rows(db: Database, job: str | None = None) -> list[tuple]:
    with session_scope(db) as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT job, scheduled_for, attempt, status, error, next_attempt_at FROM job_runs "
            "WHERE CAST(:j AS text) IS NULL OR job = :j ORDER BY id"), {"j": job})]


def test_cron_times_are_business_time():
    # 07:59 UTC is 08:59 in Lagos: the 09:00 reminders last ran yesterday
    assert latest_due("0 9 * * *", at(2026, 12, 5, 7, 59, 30), "Africa/Lagos") == \
        dt.datetime(2026, 12, 4, 9, 0, tzinfo=LAGOS)
    assert latest_due("0 9 * * *", at(2026, 12, 5, 8, 0, 0), "Africa/Lagos") == \
        dt.datetime(2026, 12, 5, 9, 0, tzinfo=LAGOS)
    assert latest_due("0 9 * * *", at(2026, 12, 5, 8, 0, 0), "UTC") == at(2026, 12, 4, 9)
    assert next_due("0 */6 * * *", at(2026, 12, 5, 5, 0), "Africa/Lagos") == \
        dt.datetime(2026, 12, 5, 12, 0, tzinfo=LAGOS)
    # Sunday 02:00 (2026-12-06 is a Sunday)
    assert next_due(DEFAULT_SCHEDULE["sync-full"], at(2026, 12, 5, 12), "Africa/Lagos") == \
        dt.datetime(2026, 12, 6, 2, 0, tzinfo=LAGOS)


def test_the_schedule_comes_from_the_environment():
    env = {"ASTROFINANCE_SCHEDULE_SYNC_REPAYMENTS": "*/30 * * * *",
           "ASTROFINANCE_SCHEDULE_BACKUP": "off"}
    got = schedule_from_env(DEFAULT_SCHEDULE, env)
    assert got["sync-repayments"] == "*/30 * * * *" and got["backup"] is None
    assert got["sms-overdue"] == "0 9 * * *"
    with pytest.raises(ConfigurationError, match="ASTROFINANCE_SCHEDULE_SNAPSHOT"):
        schedule_from_env(DEFAULT_SCHEDULE, {"ASTROFINANCE_SCHEDULE_SNAPSHOT": "daily"})


def test_a_due_job_runs_once(db):
    calls: list[dt.datetime] = []
    s = Scheduler(db, {"tick": lambda ctx: calls.append(ctx.scheduled_for) or {"n": 1}},
                  {"tick": "0 9 * * *"}, "Africa/Lagos")
    now = at(2026, 12, 5, 8, 10)                        # 09:10 in Lagos
    [outcome] = s.run_pending(now)
    assert outcome.status == "succeeded" and calls == [dt.datetime(2026, 12, 5, 9, 0,
                                                                   tzinfo=LAGOS)]
    assert s.run_pending(now) == [] and s.run_pending(now + dt.timedelta(hours=5)) == []
    assert len(calls) == 1
    s.run_pending(now + dt.timedelta(days=1))           # the next day's time
    assert len(calls) == 2
    assert [(r[2], r[3]) for r in rows(db)] == [(1, "succeeded"), (1, "succeeded")]
    with session_scope(db) as conn:
        detail = conn.execute(text("SELECT detail FROM job_runs ORDER BY id LIMIT 1")).scalar()
    assert detail == {"n": 1}


def test_a_failing_job_is_retried_after_its_backoff(db):
    failures = ["source unreachable", "source unreachable"]

    def flaky(ctx):
        if failures:
            raise RuntimeError(failures.pop())
        return {"ok": True}

    s = Scheduler(db, {"flaky": flaky}, {"flaky": "0 */6 * * *"}, "Africa/Lagos",
                  RetryPolicy(max_attempts=3, base_seconds=60, factor=5))
    t0 = at(2026, 12, 5, 5, 0, 10)                      # 06:00:10 in Lagos
    [first] = s.run_pending(t0)
    assert (first.status, first.error) == ("retrying", "source unreachable")
    [(job, due, attempt, status, error, retry_at)] = rows(db)
    assert (attempt, status, error) == (1, "retrying", "source unreachable")
    assert retry_at == t0 + dt.timedelta(minutes=1)
    assert s.run_pending(t0 + dt.timedelta(seconds=59)) == []      # not before the backoff
    [second] = s.run_pending(t0 + dt.timedelta(seconds=61))
    assert (second.attempt, second.status) == (2, "retrying")
    assert rows(db)[-1][5] == t0 + dt.timedelta(seconds=61 + 300)  # then 5 minutes
    assert s.run_pending(t0 + dt.timedelta(seconds=200)) == []
    [third] = s.run_pending(t0 + dt.timedelta(seconds=400))
    assert (third.attempt, third.status) == (3, "succeeded")
    assert [(r[2], r[3]) for r in rows(db)] == [(1, "retrying"), (2, "retrying"),
                                               (3, "succeeded")]
    assert {r[1] for r in rows(db)} == {due}
    with session_scope(db) as conn:
        overview = job_overview(conn, s.schedule, s.timezone, t0 + dt.timedelta(seconds=400))
    assert overview[0]["last"]["status"] == "succeeded" and overview[0]["last"]["attempt"] == 3


def test_the_last_attempt_fails_and_a_skip_is_not_retried(db):
    def broken(ctx):
        raise ValueError("bad mapping")

    def nothing(ctx):
        raise Skipped("no sync source is configured")

    s = Scheduler(db, {"broken": broken, "nothing": nothing},
                  {"broken": "0 1 * * *", "nothing": "0 1 * * *"}, "UTC",
                  RetryPolicy(max_attempts=2, base_seconds=0))
    now = at(2026, 12, 5, 2)
    assert [(o.job, o.status) for o in s.run_pending(now)] == [("broken", "retrying"),
                                                               ("nothing", "skipped")]
    assert [(o.job, o.status) for o in s.run_pending(now)] == [("broken", "failed")]
    assert s.run_pending(now) == []
    assert [(r[0], r[2], r[3], r[4]) for r in rows(db)] == [
        ("broken", 1, "retrying", "bad mapping"), ("nothing", 1, "skipped",
                                                   "no sync source is configured"),
        ("broken", 2, "failed", "bad mapping")]


def test_a_run_left_running_by_a_dead_runner_is_retried(db):
    s = Scheduler(db, {"tick": lambda ctx: None}, {"tick": "0 1 * * *"}, "UTC",
                  RetryPolicy(max_attempts=3, base_seconds=0))
    with session_scope(db) as conn:
        conn.execute(text("INSERT INTO job_runs (job, scheduled_for, host, pid) "
                          "VALUES ('tick', :t, 'gone', 4242)"), {"t": at(2026, 12, 5, 1)})
    assert s.recover(at(2026, 12, 5, 1, 30)) == 1
    assert rows(db)[0][3] == "retrying" and "stopped before the job finished" in rows(db)[0][4]
    [o] = s.run_pending(at(2026, 12, 5, 2))
    assert (o.attempt, o.status) == (2, "succeeded")


def test_the_default_jobs_call_the_services(db, tmp_path, monkeypatch):
    monkeypatch.setenv("ASTROFINANCE_BACKUP_PATH", str(tmp_path))
    monkeypatch.setenv("ASTROFINANCE_SMS_PROVIDER", "console")
    monkeypatch.delenv("SOURCE_DATABASE_URL", raising=False)
    names = ("sync-repayments", "sync-full", "snapshot", "sms-overdue", "backup")
    s = Scheduler(db, DEFAULT_JOBS, {n: DEFAULT_SCHEDULE[n] for n in names}, "Africa/Lagos")
    outcomes = {o.job: o for o in s.run_pending()}
    assert {n: outcomes[n].status for n in names} == {
        "sync-repayments": "skipped", "sync-full": "skipped", "snapshot": "succeeded",
        "sms-overdue": "succeeded", "backup": "succeeded"}
    assert "SOURCE_DATABASE_URL" in (outcomes["sync-full"].error or "")
    assert len(list(tmp_path.glob("*.dump"))) == 1 and len(list(tmp_path.glob("*.sha256"))) == 1
    with session_scope(db) as conn:
        detail = dict(conn.execute(text("SELECT job, detail FROM job_runs")).all())
    assert detail["backup"]["file"].startswith(str(tmp_path))
    assert detail["sms-overdue"]["provider"] == "console"


# --- two real runner processes -------------------------------------------------------------

@pytest.fixture
def runner_env(db_url, db):
    with session_scope(db) as conn:
        conn.execute(text("CREATE TABLE scheduler_test_hits (job text, pid int, "
                          "at timestamptz DEFAULT clock_timestamp())"))
    env = {**os.environ, "DATABASE_URL": db_url,
           "ASTROFINANCE_SCHEDULER_JOBS": "tests.ops.scheduler_jobs",
           "ASTROFINANCE_SCHEDULE_RETRY_SECONDS": "0",
           "ASTROFINANCE_SCHEDULER_POLL_SECONDS": "0.3",
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
           "COLUMNS": "200"}
    return env


def _start(env: dict, *args: str, slow: bool = False) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "astrofinance", "scheduler", *args],
                            env={**env, "SCHEDULER_TEST_SLOW": "1" if slow else "0"},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _hits(db: Database) -> list[str]:
    with session_scope(db) as conn:
        return list(conn.execute(text("SELECT job FROM scheduler_test_hits ORDER BY job")
                                 ).scalars())


def _succeeded_per_time(db: Database) -> list[tuple]:
    with session_scope(db) as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT job, count(*) FILTER (WHERE status = 'succeeded') FROM job_runs "
            "GROUP BY job, scheduled_for ORDER BY job"))]


def _wait_for(check, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_two_runners_at_once_run_each_job_once(db, runner_env):
    procs = [_start(runner_env, "--once") for _ in range(2)]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert _hits(db) == ["hit-a", "hit-b", "slow"]
    assert _succeeded_per_time(db) == [("hit-a", 1), ("hit-b", 1), ("slow", 1)]
    ran = [o for o in outputs if "succeeded" in o]
    assert len(ran) == 1, outputs        # one runner ran all three; the other ran nothing
    other = outputs[1 - outputs.index(ran[0])]
    assert "another runner holds the scheduler lock" in other or "Nothing due" in other


def test_a_waiting_runner_takes_over_from_a_killed_one(db, runner_env):
    first = _start(runner_env, slow=True)
    second = None
    try:
        _wait_for(lambda: any(r[0] == "slow" and r[3] == "running" for r in rows(db)))
        assert _hits(db) == ["hit-a", "hit-b"]
        second = _start(runner_env)
        time.sleep(2.0)                                 # it polls: the lock is taken
        assert second.poll() is None and _hits(db) == ["hit-a", "hit-b"]
        first.kill()                                    # in the middle of `slow`
        first.wait(timeout=30)
        _wait_for(lambda: "slow" in _hits(db))
        second.send_signal(signal.SIGTERM)              # stops cleanly
        out = second.communicate(timeout=60)[0]
    finally:
        for p in (first, second):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()
    assert second.returncode == 0, out
    assert "another runner holds the lock" in out and "holding the scheduler lock" in out
    assert "closed 1 interrupted run(s)" in out and "scheduler stopped" in out
    assert _hits(db) == ["hit-a", "hit-b", "slow"]
    assert _succeeded_per_time(db) == [("hit-a", 1), ("hit-b", 1), ("slow", 1)]
    slow = [(r[2], r[3]) for r in rows(db, "slow")]
    assert slow == [(1, "retrying"), (2, "succeeded")]
    assert "stopped before the job finished" in rows(db, "slow")[0][4]


def test_the_commands_list_the_schedule_and_the_runs(db, monkeypatch):
    from typer.testing import CliRunner

    from astrofinance.cli.common import console
    from astrofinance.cli.main import app

    monkeypatch.setenv("ASTROFINANCE_SCHEDULE_BACKUP", "off")
    # a wide terminal: the CLI's console took its width when first imported (COLUMNS then)
    monkeypatch.setattr(console, "width", 250)
    s = Scheduler(db, {"backup": lambda ctx: (_ for _ in ()).throw(OSError("disk full"))},
                  {"backup": "0 1 * * *"}, "Africa/Lagos")
    s.run_pending()
    runner = CliRunner()
    listed = runner.invoke(app, ["scheduler", "--list"])
    assert listed.exit_code == 0, listed.output
    lines = {line.split("│")[1].strip(): line for line in listed.output.splitlines()
             if line.count("│") > 5}
    assert "0 */6 * * *" in lines["sync-repayments"] and "never run" in lines["sync-full"]
    assert "off" in lines["backup"] and "retrying (attempt 2" in lines["backup"]
    runs = runner.invoke(app, ["scheduler", "runs", "--job", "backup"])
    assert runs.exit_code == 0 and "disk full" in runs.output and "retrying" in runs.output
    bad = runner.invoke(app, ["scheduler", "--list"],
                        env={"ASTROFINANCE_SCHEDULE_SNAPSHOT": "every day"})
    assert bad.exit_code != 0 and "ASTROFINANCE_SCHEDULE_SNAPSHOT" in bad.output


def test_serve_runs_the_scheduler_in_the_background(db, runner_env):
    import socket

    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "astrofinance", "serve", "--port", str(port),
                             "--scheduler"], env=runner_env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        _wait_for(lambda: _hits(db) == ["hit-a", "hit-b", "slow"])
        assert httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=5).status_code == 200
    finally:
        proc.terminate()
        out = proc.communicate(timeout=60)[0]
    assert proc.returncode == 0, out
    assert "scheduler: 3 job(s) on" in out and "Traceback" not in out
    assert _succeeded_per_time(db) == [("hit-a", 1), ("hit-b", 1), ("slow", 1)]
    with session_scope(db) as conn:
        assert conn.execute(text("SELECT count(*) FROM job_runs WHERE status = 'running'")
                            ).scalar() == 0


def test_the_loop_outlives_a_database_error(db):
    import threading

    import psycopg

    stop = threading.Event()

    class Flaky(Scheduler):
        turns = 0

        def run_pending(self, now=None):
            self.turns += 1
            if self.turns == 1:
                raise psycopg.OperationalError("server closed the connection unexpectedly")
            stop.set()
            return super().run_pending(now)

    said: list[str] = []
    s = Flaky(db, {"tick": lambda ctx: None}, {"tick": "0 1 * * *"}, "UTC")
    s.run_forever(stop, poll_seconds=0.1, say=said.append)
    assert s.turns == 2 and rows(db)[0][3] == "succeeded"
    assert any("database error: server closed the connection" in m for m in said), said
    assert said[-1] == "scheduler stopped" and sum("holding the scheduler lock" in m
                                                   for m in said) == 2


def test_the_snapshot_job_is_skipped_after_a_recalculation_stored_it(db):
    from astrofinance.config import get_settings
    from astrofinance.metrics.service import recalculate
    from astrofinance.portfolio.seed import seed_portfolio

    today = get_settings().today()
    seed_portfolio(db, loans=20, seed=3, as_of=today)
    s = Scheduler(db, DEFAULT_JOBS, {"snapshot": "* * * * *"}, "Africa/Lagos")
    now = dt.datetime.now(dt.UTC)
    [stored] = s.run_pending(now)                   # no recalculation as of today yet
    with session_scope(db) as conn:
        assert conn.execute(text("SELECT count(*) FROM portfolio_snapshots WHERE as_of = :d"),
                            {"d": today}).scalar_one() > 0
        recalculate(conn, today)                    # stores the day's snapshot itself
    [skipped] = s.run_pending(now + dt.timedelta(minutes=1))
    assert (stored.status, skipped.status) == ("succeeded", "skipped")
    assert skipped.error == f"the recalculation as of {today} stored its snapshot"
