"""`sync check-status`: loans whose status differs between the source and here.

The source's loans (their mapped status) are streamed into a temporary table on the target and
compared there, set-based: one query, however large the book.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import psycopg

from astrofinance.db.engine import Database, libpq_url
from astrofinance.kit.sql import load_sql
from astrofinance.sync.source import SqlSource


@dataclass(frozen=True)
class StatusMismatch:
    loan_id: str
    source_status: str | None       # as the source has it
    expected: str | None            # its canonical status (None: the mapping does not know it)
    status_here: str | None         # None: the loan is not here (not synced, or quarantined)


def status_mismatches(source: SqlSource, db: Database) -> list[StatusMismatch]:
    """Every source loan whose status here is not its mapped source status."""
    with psycopg.connect(libpq_url(db.url)) as conn:
        return find_mismatches(conn, source)


def find_mismatches(conn: psycopg.Connection, source: SqlSource) -> list[StatusMismatch]:
    """The same, on a connection of the target (inside its transaction)."""
    em = source.mapping.entity("loans")
    if "status" not in em.columns:
        return []
    table = em.values.get("status", {})
    conn.execute("DROP TABLE IF EXISTS _src_status")
    conn.execute("CREATE TEMP TABLE _src_status (src_key text, src_changed text, "
                 'loan_id text COLLATE "C", status text) ON COMMIT DROP')
    with conn.cursor().copy("COPY _src_status FROM STDIN") as copy:
        source.stream(source.select(em, columns=["loan_id", "status"]), copy.write)
    rows = conn.execute(load_sql("astrofinance.sync", "status_mismatches"),
                        {"from": list(table), "to": list(table.values()),
                         "mapped": bool(table)}).fetchall()
    return [StatusMismatch(*r) for r in rows]


def as_rows(found: Sequence[StatusMismatch]) -> list[list[str]]:
    return [[m.loan_id, m.source_status or "", m.expected or "(not mapped)",
             m.status_here or "(not here)"] for m in found]
