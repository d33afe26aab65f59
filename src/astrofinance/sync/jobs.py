"""Sync runs started from the API: in a background thread, one at a time, always from the
configured source (SOURCE_DATABASE_URL and SYNC_MAPPING; never a URL from a request); and the
runs, tracking and the run in progress, for the API to show.

One at a time: this process starts one run at a time, and the runner's advisory lock (see
runner.py) refuses a run while any other process syncs; either way the caller gets Conflict.
`start` returns once the run is recorded in sync_runs (its id), or raises what stopped it.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from sqlalchemy import Connection, text

from astrofinance.auth.context import USER_SETTING
from astrofinance.config import Settings
from astrofinance.db.engine import Database
from astrofinance.errors import Conflict, NotFound
from astrofinance.kit.sql import load_sql
from astrofinance.sync.mapping import load_mapping
from astrofinance.sync.runner import (
    FIXES,
    HOLIDAY_ENTITIES,
    INCREMENTAL,
    LOCK,
    BatchSizes,
    Silent,
    Syncer,
    SyncResult,
)
from astrofinance.sync.source import SqlSource

PKG = "astrofinance.sync"
log = logging.getLogger("astrofinance.sync")
START_TIMEOUT = 60.0
_one_at_a_time = threading.Lock()


def _full(s: Syncer, restart: bool) -> SyncResult:
    return s.full(restart=restart)


def _repayments(s: Syncer, restart: bool) -> SyncResult:
    return s.incremental(INCREMENTAL)


def _holidays(s: Syncer, restart: bool) -> SyncResult:
    names = [n for n in HOLIDAY_ENTITIES if n in s.source.mapping.entities]
    return s.full(names, command="holidays")


def _fix(command: str) -> Callable[[Syncer, bool], SyncResult]:
    entity, columns = FIXES[command]
    return lambda s, restart: s.fix(command, entity, columns)


COMMANDS: dict[str, Callable[[Syncer, bool], SyncResult]] = {
    "full": _full, "repayments": _repayments, "holidays": _holidays,
    **{name: _fix(name) for name in FIXES}}
"""What a run may do, as `astrofinance sync <command>` does it: full (resumes an unfinished
full run unless restart), repayments (officers, customers, loans and repayments changed since
their watermarks), holidays, and the column fixes."""


def start(db: Database, settings: Settings, command: str, actor: str, *,
          restart: bool = False) -> int:
    """Start `command` in a background thread; the new run's id once it is recorded."""
    if command not in COMMANDS:
        raise NotFound(f"no sync command {command!r}: use one of {', '.join(COMMANDS)}")
    if not settings.source_database_url:
        raise Conflict("no source database is configured: the operator sets "
                       "SOURCE_DATABASE_URL (environment or .env) on the server")
    if not _one_at_a_time.acquire(blocking=False):
        raise Conflict("a sync started here is still running; wait for it to finish "
                       "(GET /api/v1/sync/status)")
    try:
        source = SqlSource(None, load_mapping(settings.sync_mapping), settings)
    except BaseException:
        _one_at_a_time.release()
        raise
    before = _last_run_id(db)
    failure: list[BaseException] = []
    worker = threading.Thread(target=_work, name=f"sync-{command}", daemon=True,
                              args=(source, db, settings, command, restart, actor, failure))
    try:
        worker.start()
    except BaseException:
        source.close()
        _one_at_a_time.release()
        raise
    return _started_run(db, before, worker, failure)


def _work(source: SqlSource, db: Database, settings: Settings, command: str, restart: bool,
          actor: str, failure: list[BaseException]) -> None:
    acting = Database(_acting_url(db.url, actor))
    try:
        with source:
            sizes = BatchSizes(settings.sync_batch_loans, settings.sync_batch_repayments,
                               settings.sync_batch_rows, workers=settings.sync_workers)
            syncer = Syncer(source, acting, sizes, Silent(), settings.sync_overlap_minutes)
            result = COMMANDS[command](syncer, restart)
        log.info("sync run %s (%s, started by %s): %s in %.1f s", result.run_id, command,
                 actor, result.status, result.seconds)
    except BaseException as e:          # recorded on the run (when it got one) and logged
        failure.append(e)
        log.warning("sync %s started by %s stopped: %s", command, actor, e)
    finally:
        acting.engine.dispose()
        _one_at_a_time.release()


def _acting_url(url: str, actor: str) -> str:
    """The URL whose sessions act as `actor` (the audit log's user of the sync's writes)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query)
    if any(k == "options" for k, _ in query):
        return url
    name = actor.replace("\\", "\\\\").replace(" ", "\\ ")
    query.append(("options", f"-c {USER_SETTING}={name}"))
    return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))


def _last_run_id(db: Database) -> int:
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT coalesce(max(id), 0) FROM sync_runs")).scalar_one()


def _started_run(db: Database, before: int, worker: threading.Thread,
                 failure: list[BaseException]) -> int:
    """The id of the run `worker` records (this process's first after `before`); what stopped
    it when it ended without one."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        alive = worker.is_alive()
        with db.engine.connect() as conn:
            run_id = conn.execute(text(load_sql(PKG, "sync_run_started")),
                                  {"after": before, "pid": os.getpid()}).scalar()
        if run_id is not None:
            return run_id
        if not alive:
            raise failure[0] if failure else Conflict("the sync ended before it started")
        if time.monotonic() > deadline:
            raise Conflict(f"the sync has not started after {START_TIMEOUT:.0f} s; see "
                           "GET /api/v1/sync/status")
        time.sleep(0.05)


def runs_page(conn: Connection, limit: int | None, offset: int = 0
              ) -> tuple[list[dict[str, Any]], int]:
    """The runs, newest first, with their totals over entities, and how many there are."""
    rows = conn.execute(text(load_sql(PKG, "sync_runs_page")),
                        {"limit": limit, "offset": offset}).mappings()
    total = conn.execute(text("SELECT count(*) FROM sync_runs")).scalar_one()
    return [dict(r) for r in rows], total


def runs_export() -> tuple[str, dict[str, Any]]:
    """The SQL and parameters of every run (a streamed CSV)."""
    return load_sql(PKG, "sync_runs_page"), {"limit": None, "offset": 0}


def get_run(conn: Connection, run_id: int) -> dict[str, Any]:
    """One run: command, status, source (no password), times, counts per entity, errors."""
    row = conn.execute(text(load_sql(PKG, "sync_run_get")), {"id": run_id}).mappings().first()
    if row is None:
        raise NotFound(f"no sync run {run_id}")
    return dict(row)


def status(conn: Connection, settings: Settings) -> dict[str, Any]:
    """Each entity's tracking (last sync, rows, watermark, quarantined rows) and the run in
    progress (None when no session holds the sync lock)."""
    running = conn.execute(text(load_sql(PKG, "sync_running")), {"lock": LOCK}
                           ).mappings().first()
    entities = [dict(r) for r in conn.execute(text(load_sql(PKG, "sync_status"))).mappings()]
    return {"source_configured": bool(settings.source_database_url),
            "mapping": settings.sync_mapping, "commands": list(COMMANDS),
            "running": dict(running) if running else None, "entities": entities}
