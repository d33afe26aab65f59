"""Daily portfolio snapshots: the book's GLP, PAR and overdue amounts as of a day, stored per
officer, branch, region, supervisor, vertical lead, wave and product (table
portfolio_snapshots, migration 0010), so charts over time read sums instead of recomputing
every loan for every day (docs/metrics.md, "Daily snapshots").

The numbers are the portfolio metrics' own: the loans on the books (ON_BOOKS_SQL) over the
relation _pf_book that portfolio.py builds (the stored fields when the day is their date, else
the fields computed as of the day), summed like portfolio_book.sql. A full recalculation
stores its day's snapshot (service.recalculate); `metrics backfill` stores past days.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, text

from astrofinance.db import Database, session_scope
from astrofinance.errors import ValidationFailed
from astrofinance.kit.sql import load_sql
from astrofinance.metrics.portfolio import (
    FIRST_DAY,
    LAST_DAY,
    ON_BOOKS_SQL,
    PortfolioFilters,
    _book,
    _Queries,
    cube_ready,
)
from astrofinance.metrics.portfolio_result import money, pct
from astrofinance.metrics.stored_state import stored_state

_PKG = "astrofinance.metrics"
PAR_DAYS: tuple[int, ...] = (1, 7, 30, 90)
"""The PAR thresholds a snapshot keeps (columns parX_amount and loans_parX)."""
MAX_DAYS = 3660
"""The longest backfill, in calendar days (about ten years)."""
_MONEY = ("gross_loan_portfolio", *(f"par{x}_amount" for x in PAR_DAYS), "overdue_amount")

Progress = Callable[[dt.date, int, int], None]
"""progress(day, days done, days in all), called after each day is stored."""


@dataclass(frozen=True)
class BackfillResult:
    days: int
    rows: int
    seconds: float


def store_snapshot(conn: Connection, as_of: dt.date) -> int:
    """Store the portfolio snapshot as of a date, replacing that day's; the rows written."""
    _check_span(as_of, as_of)
    # one writer of a day at a time (a second waits, then replaces the first one's rows);
    # writers of different days do not wait for each other
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('astrofinance.snapshot'), "
                      ":as_of - DATE '1990-01-01')"), {"as_of": as_of})
    conn.execute(text("DELETE FROM portfolio_snapshots WHERE as_of = :as_of"), {"as_of": as_of})
    stored_as_of, missing = stored_state(conn)
    stored = as_of == stored_as_of and missing == 0
    if stored and cube_ready(conn, PortfolioFilters(), PAR_DAYS):   # the cube's sums
        sql = load_sql(_PKG, "snapshot_store").replace("{rows}", _CUBE_ROWS).replace(
            "{n}", "sum(b.loans)").replace("{dpd}", "b.dpd_lo")
        return conn.execute(text(sql), {"as_of": as_of}).rowcount
    q = _Queries(group_key="NULL::text", filters="", params={}, dpd_columns="")
    with _book(conn, q, as_of, stored, on_books_only=True):
        sql = q.render("snapshot_store").replace("{rows}", _LOAN_ROWS).replace(
            "{n}", "count(*)").replace("{dpd}", "b.current_dpd")
        return conn.execute(text(sql), {"as_of": as_of}).rowcount


_LOAN_ROWS = f"FROM _pf_book b\nWHERE {ON_BOOKS_SQL}"
"""snapshot_store.sql's rows: the loans on the books, from portfolio.py's relation."""
_CUBE_ROWS = ("FROM loan_cube b\n"
              "WHERE b.fields_as_of = :as_of AND b.on_books AND b.loans <> 0")
"""snapshot_store.sql's rows as of the stored date: the loan cube's shares on the books."""


def snapshot_days(start: dt.date, end: dt.date, every: int = 1,
                  today: dt.date | None = None) -> list[dt.date]:
    """The days a backfill stores: start, every `every` calendar days after it, and end
    (none after today: by default the business time zone's today).

    Calendar days, not business days: a PAR keeps ageing over weekends and holidays, and a
    chart's x axis is the calendar. The end day is always included, so the series reaches it.
    """
    if every < 1:
        raise ValidationFailed(f"every must be at least 1 day (got {every})")
    if today is None:
        from astrofinance.config import get_settings

        today = get_settings().today()
    _check_span(start, end, today)
    days = [start + dt.timedelta(days=k) for k in range(0, (end - start).days + 1, every)]
    return days if days[-1] == end else [*days, end]


def backfill(conn_or_db: Connection | Database, start: dt.date, end: dt.date,
             progress: Progress | None = None, every: int = 1, *,
             today: dt.date | None = None) -> BackfillResult:
    """Store the snapshots of snapshot_days(start, end, every); with a Database, one
    transaction per day (an interruption keeps the days done), with a Connection, the
    caller's one transaction."""
    days = snapshot_days(start, end, every, today)
    started, rows = time.perf_counter(), 0
    for done, day in enumerate(days, start=1):
        if isinstance(conn_or_db, Database):
            with session_scope(conn_or_db) as conn:
                rows += store_snapshot(conn, day)
        else:
            rows += store_snapshot(conn_or_db, day)
        if progress is not None:
            progress(day, done, len(days))
    return BackfillResult(len(days), rows, time.perf_counter() - started)


def trend(conn: Connection, filters: PortfolioFilters | None, start: dt.date,
          end: dt.date) -> list[dict[str, Any]]:
    """The stored snapshots from start to end, one row per day that has one, summed over the
    loans the filters keep, with the PAR and arrears rates.

    The filters are the portfolio metrics' (branch, region, officer, supervisor, vertical
    lead, wave, product, scope), applied to the values the loans carried when the snapshot was
    stored. disbursed_from and disbursed_to are ignored: a snapshot sums loans of every
    disbursement date. A day whose snapshot the filters leave empty has zeros (rates None).
    """
    if start > end:
        raise ValidationFailed(f"the trend starts ({start}) after it ends ({end})")
    filters = replace(filters or PortfolioFilters(), disbursed_from=None, disbursed_to=None)
    clauses, params = filters.sql()
    # the whole book: the day totals (one row a day, migration 0022); else the day's rows
    sql = (load_sql(_PKG, "snapshot_trend").replace("{filters}", clauses) if params
           else load_sql(_PKG, "snapshot_trend_days"))
    rows = conn.execute(text(sql), {**params, "start": start, "end": end}).mappings()
    return [_trend_row(r) for r in rows]


def _trend_row(row: Any) -> dict[str, Any]:
    d = dict(row)
    d.update({name: money(d[name]) for name in _MONEY})
    glp = d["gross_loan_portfolio"]
    d.update({f"par{x}_rate": pct(d[f"par{x}_amount"], glp) for x in PAR_DAYS})
    d["arrears_rate"] = pct(d["overdue_amount"], glp)
    return d


def trend_json(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The JSON shape of trend() rows (as the portfolio metrics': money as strings with 2
    decimals, percentages as numbers, the date in ISO form)."""
    return [{k: (v.isoformat() if isinstance(v, dt.date)
                 else f"{v:.2f}" if k in _MONEY
                 else float(v) if isinstance(v, Decimal) else v)
             for k, v in r.items()} for r in rows]


def _check_span(start: dt.date, end: dt.date, today: dt.date | None = None) -> None:
    """A day span a snapshot can be stored for; with `today`, none after it."""
    problems = []
    if start > end:
        problems.append(f"the span starts ({start}) after it ends ({end})")
    if not (FIRST_DAY <= start and end <= LAST_DAY):
        problems.append(f"snapshot days must be within {FIRST_DAY}..{LAST_DAY}")
    if today is not None and end > today:
        problems.append(f"{end} is after today ({today}): nothing is known of it yet")
    if (end - start).days + 1 > MAX_DAYS:
        problems.append(f"the span is {(end - start).days + 1:,} days: more than {MAX_DAYS:,} "
                        "days at once")
    if problems:
        raise ValidationFailed("; ".join(problems))

