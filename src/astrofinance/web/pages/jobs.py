"""Operations → Jobs (managers and admins, sync.run): the scheduler's jobs with their cron,
next run and last outcome, which runner holds the lock, and the recent runs with their
attempts and errors (ops/scheduler.py; the same reads as `astrofinance scheduler --list`
and `scheduler runs`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from astrofinance.api.deps import Conn
from astrofinance.ops import scheduler
from astrofinance.web.auth import needs
from astrofinance.web.pages.operations_admin import business_time, ops_page

router = APIRouter()
MANAGE = needs("sync.run")
Job = Annotated[str | None, Query(max_length=40, pattern=r"^[a-z][a-z0-9-]*$")]


@router.get("/operations/jobs")
def jobs_page(request: Request, conn: Conn, user=MANAGE, job: Job = None,
              limit: Annotated[int, Query(ge=1, le=500)] = 50) -> Response:
    business_time(request, conn)
    tz = request.app.state.settings.timezone
    _, schedule = scheduler.configured_jobs()
    return ops_page(request, "ops_jobs.html", user, title="Jobs",
                    jobs=scheduler.job_overview(conn, schedule, tz, dt.datetime.now(dt.UTC)),
                    runs=scheduler.recent_runs(conn, job, limit),
                    holder=scheduler.lock_holder(conn),
                    filters={"job": job or "", "limit": limit})
