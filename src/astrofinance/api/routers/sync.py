"""Sync from the lender's system of record (sync.run: managers and admins): start a run in the
background, follow it, list past runs, each entity's status.

The source is the server's configuration (SOURCE_DATABASE_URL, SYNC_MAPPING) only: a request
cannot name a database to connect to. One run at a time (409 while one is running).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import ConfigDict, Field

from astrofinance.api.csv import stream_csv
from astrofinance.api.deps import Conn, PageQ, allow
from astrofinance.api.envelope import ERROR_RESPONSES, Envelope, counted, ok
from astrofinance.api.query import Strict
from astrofinance.auth.tokens import Principal
from astrofinance.sync import jobs

router = APIRouter(prefix="/sync", tags=["sync"], responses=ERROR_RESPONSES)
RUN = allow("sync.run")
Format = Annotated[Literal["json", "csv"], Query(alias="format",
                                                 description="json (default) or csv: every run")]
Command = Literal["full", "repayments", "holidays", "officer-emails", "first-due-dates",
                  "repayment-amounts"]


class NewRun(Strict):
    """What to run; nothing else (no source: that is the server's configuration)."""

    model_config = ConfigDict(extra="forbid")

    command: Command = Field(description="full: every row (resumes an unfinished full run); "
                             "repayments: officers, customers, loans and repayments changed "
                             "since the last sync; holidays; officer-emails, first-due-dates, "
                             "repayment-amounts: those columns of existing rows")
    restart: bool = Field(False, description="full: start over instead of resuming")


@router.post("/runs", response_model=Envelope, status_code=202,
             summary="Start a sync run in the background")
def start_run(request: Request, body: NewRun, user: Principal = RUN) -> Any:
    """Starts the run and answers at once with its id; follow it with GET /sync/runs/{id}.
    409 when a sync is already running or no source database is configured."""
    run_id = jobs.start(request.app.state.db, request.app.state.settings, body.command,
                        user.name, restart=body.restart)
    return ok({"run_id": run_id, "command": body.command, "status": "running",
               "href": f"/api/v1/sync/runs/{run_id}"},
              f"sync run {run_id} ({body.command}) started", 202)


@router.get("/runs", response_model=Envelope, summary="Sync runs, newest first")
def list_runs(request: Request, conn: Conn, page: PageQ, user: Principal = RUN,
              fmt: Format = "json") -> Any:
    """Each run's command, status, times and rows read, written and rejected."""
    if fmt == "csv":
        query, params = jobs.runs_export()
        return stream_csv(request.app.state.db, query, params, "sync-runs")
    items, total = jobs.runs_page(conn, page.limit, page.offset)
    return ok({"items": items, **page.meta(total)}, counted(total, "sync run"))


@router.get("/runs/{run_id}", response_model=Envelope, summary="One sync run")
def get_run(run_id: int, conn: Conn, user: Principal = RUN) -> Any:
    """Its status (running, succeeded, partial, failed, interrupted), counts per entity and
    errors."""
    return ok(jobs.get_run(conn, run_id))


@router.get("/status", response_model=Envelope, summary="What the sync has done")
def sync_status(request: Request, conn: Conn, user: Principal = RUN) -> Any:
    """Each entity's last sync, rows, watermark and quarantined rows; the run in progress."""
    return ok(jobs.status(conn, request.app.state.settings))
