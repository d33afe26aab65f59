"""`astrofinance maintenance`: the seed's maintenance.sh as one command.

In order: a verified backup first (unless skipped), VACUUM (ANALYZE) of the tables, REINDEX
(CONCURRENTLY: readers and writers carry on), then `perform_database_maintenance()` (the parts
that can run inside a function: ANALYZE, the materialized views refreshed, the ledger's loans
past the DPD threshold marked Defaulted, PAR30), a recalculation of every loan's fields as of
the business day (which stores the day's portfolio snapshot), and a statistics report: the
database's and tables' sizes, dead rows, index usage and, with pg_stat_statements, the slowest
statements. Each step is timed; a failed step stops the run and says which (the ones before it
are done).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from astrofinance.db import Database, session_scope
from astrofinance.kit.sql import load_sql

_PKG = "astrofinance.ops"
Progress = Callable[[str], None]


@dataclass
class Step:
    name: str
    seconds: float
    detail: str


@dataclass
class MaintenanceReport:
    steps: list[Step] = field(default_factory=list)
    result: dict[str, Any] = field(default_factory=dict)
    database_bytes: int = 0
    tables: list[dict[str, Any]] = field(default_factory=list)
    indexes: list[dict[str, Any]] = field(default_factory=list)
    slow_queries: list[dict[str, Any]] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"steps": [s.__dict__ for s in self.steps], "result": self.result,
                "database_bytes": self.database_bytes, "tables": self.tables,
                "indexes": self.indexes, "slow_queries": self.slow_queries}


class MaintenanceFailed(Exception):
    """A step failed: the steps before it are done."""

    def __init__(self, step: str, cause: Exception, report: MaintenanceReport) -> None:
        super().__init__(f"maintenance stopped at '{step}': {cause}")
        self.step, self.report = step, report


def run_maintenance(db: Database, *, backup: Callable[[], str] | None,
                    defaulted_after_days: int = 90, user: str = "maintenance",
                    today: Any = None, progress: Progress = lambda _: None,
                    slow_query_limit: int = 10) -> MaintenanceReport:
    """Run every step in order (`backup`: takes the backup and describes it, or None to skip
    it); the report says what each did and how long it took."""
    from astrofinance.config import get_settings

    report = MaintenanceReport()
    day = today or get_settings().today()

    def step(name: str, action: Callable[[], str]) -> None:
        progress(name)
        started = time.perf_counter()
        try:
            detail = action()
        except Exception as exc:
            raise MaintenanceFailed(name, exc, report) from exc
        report.steps.append(Step(name, round(time.perf_counter() - started, 2), detail))

    if backup is not None:
        step("backup", backup)
    step("vacuum analyze", lambda: _each_table(db, "VACUUM (ANALYZE) {}"))
    step("reindex", lambda: _each_table(db, "REINDEX TABLE CONCURRENTLY {}"))
    step("analyze, refresh views, mark defaulted, PAR",
         lambda: _in_function(db, report, defaulted_after_days, user))
    step("recalculate", lambda: _recalculate(db, day))
    step("statistics", lambda: _statistics(db, report, slow_query_limit))
    return report


def _tables(db: Database) -> list[str]:
    with db.engine.connect() as conn:
        return list(conn.execute(text(
            "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public' "
            "ORDER BY tablename")).scalars())


def _each_table(db: Database, statement: str) -> str:
    """Outside a transaction (VACUUM and REINDEX CONCURRENTLY cannot run inside one)."""
    tables = _tables(db)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in tables:
            conn.execute(text(statement.format(table)))
    return f"{len(tables)} tables"


def _in_function(db: Database, report: MaintenanceReport, days: int, user: str) -> str:
    with session_scope(db) as conn:
        raw = conn.execute(text("SELECT perform_database_maintenance(:days, :user)"),
                           {"days": days, "user": user}).scalar_one()
    report.result = raw if isinstance(raw, dict) else json.loads(raw)
    par = report.result.get("par30") or {}
    return (f"{report.result.get('loans_marked_defaulted', 0)} loans marked defaulted; "
            f"PAR30 {par.get('par_percent')}%")


def _recalculate(db: Database, day: Any) -> str:
    from astrofinance.metrics.service import recalculate

    with session_scope(db) as conn:
        result = recalculate(conn, day)
    return f"{result.total_loans_processed:,} loans as of {day}"


def _statistics(db: Database, report: MaintenanceReport, limit: int) -> str:
    with db.engine.connect() as conn:
        report.database_bytes = conn.execute(text(
            "SELECT pg_database_size(current_database())")).scalar_one()
        report.tables = [dict(r) for r in conn.execute(
            text(load_sql(_PKG, "maintenance_tables"))).mappings()]
        report.indexes = [dict(r) for r in conn.execute(
            text(load_sql(_PKG, "maintenance_indexes"))).mappings()]
        has_statements = conn.execute(text(
            "SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'")).first()
        if has_statements:   # installed, but it reads nothing unless preloaded by the server
            try:
                with conn.begin_nested():
                    report.slow_queries = [dict(r) for r in conn.execute(
                        text(load_sql(_PKG, "maintenance_slow_queries")),
                        {"limit": limit}).mappings()]
            except DBAPIError:
                report.slow_queries = None
    return f"{len(report.tables)} tables, {len(report.indexes)} indexes"
