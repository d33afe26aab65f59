"""Past imports (import_runs) and the rows they rejected (import_rejects)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, BinaryIO

import psycopg
from sqlalchemy import Connection, text

from astrofinance.errors import NotFound
from astrofinance.kit.sql import load_sql

_PKG = "astrofinance.sync"


def recent_runs(conn: Connection, limit: int = 20) -> Sequence[Any]:
    """The latest runs: id, started_at, status, source, rows read and rejected."""
    return conn.execute(text(load_sql(_PKG, "runs_recent")), {"limit": limit}).all()


def latest_run_with_rejects(conn: Connection) -> int:
    """The most recent run that kept rejected rows."""
    run_id = conn.execute(text("SELECT max(import_id) FROM import_rejects")).scalar_one()
    if run_id is None:
        raise NotFound("no import has rejected rows")
    return run_id


def _require_run(conn: Connection, run_id: int) -> None:
    if conn.execute(text("SELECT 1 FROM import_runs WHERE id = :id"), {"id": run_id}).first() \
            is None:
        raise NotFound(f"no import run {run_id}")


def list_rejects(conn: Connection, run_id: int) -> Sequence[Any]:
    """A run's rejected rows: file, line, column_name, value, reason."""
    _require_run(conn, run_id)
    return conn.execute(text("SELECT file, line, column_name, value, reason FROM import_rejects"
                             " WHERE import_id = :id ORDER BY id"), {"id": run_id}).all()


def write_rejects_csv(conn: psycopg.Connection, run_id: int, out: BinaryIO) -> int:
    """A run's rejected rows as CSV (with each row's data as JSON); returns the count."""
    if conn.execute("SELECT 1 FROM import_runs WHERE id = %s", [run_id]).fetchone() is None:
        raise NotFound(f"no import run {run_id}")
    cur = conn.cursor()
    with cur.copy("COPY (SELECT file, line, column_name AS column, value, reason, row_data "
                  "FROM import_rejects WHERE import_id = %s ORDER BY id) "
                  "TO STDOUT WITH (FORMAT csv, HEADER)", [run_id]) as copy:
        for data in copy:
            out.write(data)
    return max(cur.rowcount, 0)
