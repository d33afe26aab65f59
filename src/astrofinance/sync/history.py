"""What the sync has done: runs, per-entity tracking, the quarantine."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, text

from astrofinance.kit.sql import load_sql

PKG = "astrofinance.sync"


def recent_runs(conn: Connection, limit: int = 15) -> Sequence[Any]:
    """The latest runs with their totals over entities."""
    return conn.execute(text(load_sql(PKG, "sync_runs_recent")), {"limit": limit}).all()


def tracking(conn: Connection) -> Sequence[Any]:
    return conn.execute(text("SELECT entity, last_sync_at, rows_synced, watermark_at, "
                             "last_status FROM sync_tracking ORDER BY last_sync_at DESC "
                             "NULLS LAST, entity")).all()


def quarantine_counts(conn: Connection) -> dict[str, int]:
    return dict(conn.execute(text("SELECT entity, count(*) FROM sync_quarantine "
                                  "GROUP BY entity")).all())  # type: ignore[arg-type]


def quarantined_rows(conn: Connection, entity: str | None, limit: int
                     ) -> tuple[Sequence[Any], int]:
    """The first quarantined rows (by entity and key) and how many there are."""
    params = {"entity": entity, "limit": limit}
    where = "WHERE CAST(:entity AS text) IS NULL OR entity = :entity"
    rows = conn.execute(text(f"SELECT entity, source_key, reason, first_seen_at, last_run_id "
                             f"FROM sync_quarantine {where} "
                             f"ORDER BY entity, length(source_key), source_key LIMIT :limit"),
                        params).all()
    total = conn.execute(text(f"SELECT count(*) FROM sync_quarantine {where}"),
                         params).scalar_one()
    return rows, total
