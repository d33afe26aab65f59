"""Jobs for the two-runner tests of the scheduler (tests/ops/test_scheduler.py), loaded by a
real `astrofinance scheduler` process through ASTROFINANCE_SCHEDULER_JOBS. Each job records
that it ran in the table scheduler_test_hits (made by the test); `slow` hangs while the
process has SCHEDULER_TEST_SLOW=1 (a runner to kill in the middle of a job)."""

from __future__ import annotations

import os
import time

from sqlalchemy import text

from astrofinance.db import session_scope
from astrofinance.ops.scheduled_jobs import JobContext


def _hit(name: str, pause: float = 0.0):
    def action(ctx: JobContext) -> dict:
        time.sleep(pause)
        with session_scope(ctx.db) as conn:
            conn.execute(text("INSERT INTO scheduler_test_hits (job, pid) VALUES (:j, :p)"),
                         {"j": name, "p": os.getpid()})
        return {"pid": os.getpid()}
    return action


def _slow(ctx: JobContext) -> dict:
    if os.environ.get("SCHEDULER_TEST_SLOW") == "1":
        time.sleep(120)
    return _hit("slow")(ctx)


# times long past and stable (a run started a second later has the same latest due time)
SCHEDULE = {"hit-a": "0 0 1 1 *", "hit-b": "30 4 1 * *", "slow": "0 0 1 1 *"}
JOBS = {"hit-a": _hit("hit-a", 1.0), "hit-b": _hit("hit-b", 0.5), "slow": _slow}
