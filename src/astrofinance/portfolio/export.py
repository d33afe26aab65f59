"""The per-loan export (`loans export`) and a loan's schedule (`loans schedule`).

The export is streamed by PostgreSQL itself (COPY (SELECT ...) TO STDOUT): one row per loan with
loan_id, status, wave, as_of and every per-loan field of metrics.md in its order. Money and
scores with 2 decimals, booleans true/false, NULL empty (CSV) or null (JSON). In JSON, decimals
are strings ("1200.00", exact), whole numbers are numbers, booleans are true/false.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from psycopg import Connection, sql

from astrofinance.errors import NotFound, ValidationFailed
from astrofinance.kit.sql import load_sql
from astrofinance.metrics.portfolio import PortfolioFilters
from astrofinance.metrics.service import FIELD_NAMES
from astrofinance.sync.values import BadValue, canonical_status

_PKG = "astrofinance.portfolio"
EXPORT_COLUMNS: tuple[str, ...] = ("loan_id", "status", "wave", "as_of", *FIELD_NAMES)
FORMATS = ("csv", "json")


@dataclass(frozen=True)
class ExportFilters:
    """Which loans to export: the portfolio filters plus status and a current_dpd range."""

    portfolio: PortfolioFilters = field(default_factory=PortfolioFilters)
    status: tuple[str, ...] = ()
    dpd_min: int | None = None
    dpd_max: int | None = None

    def sql(self) -> tuple[sql.Composable, dict[str, Any]]:
        """The WHERE clause over `loans b` and its bound values (psycopg style)."""
        clauses, params = self.portfolio.sql()
        for name in sorted(params, key=len, reverse=True):  # :f_x -> %(f_x)s (names we made)
            clauses = clauses.replace(f":{name}", f"%({name})s")
        extra = {"x_status": self.statuses(), "x_dpd_min": self.dpd_min,
                 "x_dpd_max": self.dpd_max}
        parts = [sql.SQL("TRUE"), sql.SQL(clauses)]  # type: ignore[arg-type]
        for name, clause in (("x_status", "b.status = ANY(%(x_status)s)"),
                             ("x_dpd_min", "b.current_dpd >= %(x_dpd_min)s"),
                             ("x_dpd_max", "b.current_dpd <= %(x_dpd_max)s")):
            if extra[name] not in (None, []):
                parts.append(sql.SQL("\n  AND " + clause))  # type: ignore[arg-type]
                params[name] = extra[name]
        return sql.Composed(parts), params

    def statuses(self) -> list[str]:
        try:
            return [canonical_status(s) for s in self.status]
        except BadValue as e:
            raise ValidationFailed(f"--status: {e}") from None


@dataclass(frozen=True)
class ExportSummary:
    """How many loans were written and how current their fields are."""

    rows: int
    without_fields: int           # exported loans never recalculated (fields_as_of NULL)
    as_of_dates: tuple[dt.date, ...]


def _columns(conn: Connection, fmt: str) -> sql.Composable:
    """The select list: CSV columns, or one json_build_object for JSON."""
    types: dict[str, str] = dict(conn.execute(
        "SELECT a.attname, t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
        "WHERE a.attrelid = 'loans'::regclass AND a.attname = ANY(%s) AND NOT a.attisdropped",
        [list(FIELD_NAMES)]).fetchall())
    exprs = []
    for name in EXPORT_COLUMNS:
        col = sql.SQL("b.{}").format(sql.Identifier(name if name != "as_of" else "fields_as_of"))
        kind = "date" if name == "as_of" else types.get(name, "text")
        if kind == "numeric":
            col = sql.SQL("({})::numeric(18,2)").format(col)
        if kind == "date" or (kind == "numeric" and fmt == "json"):
            col = sql.SQL("({})::text").format(col)
        if kind == "bool" and fmt == "csv":
            col = sql.SQL("({})::text").format(col)
        exprs.append((name, col))
    if fmt == "csv":
        return sql.SQL(", ").join(sql.SQL("{} AS {}").format(e, sql.Identifier(n))
                                  for n, e in exprs)
    pairs = sql.SQL(", ").join(sql.SQL("{}, {}").format(sql.Literal(n), e) for n, e in exprs)
    return sql.SQL("json_build_object({})::text").format(pairs)


def export_loans(conn: Connection, out: BinaryIO, fmt: str = "csv",
                 filters: ExportFilters | None = None) -> ExportSummary:
    """Write the loans' fields to `out` (CSV with a header, or a JSON array)."""
    if fmt not in FORMATS:
        raise ValidationFailed(f"unknown format {fmt!r}: use {' or '.join(FORMATS)}")
    where, params = (filters or ExportFilters()).sql()
    conn.execute("SET LOCAL DateStyle = 'ISO, YMD'")
    query = sql.SQL(load_sql(_PKG, "export_loans")).format(  # type: ignore[arg-type]
        columns=_columns(conn, fmt), where=where)
    options = sql.SQL("(FORMAT csv, HEADER)" if fmt == "csv" else "(FORMAT text)")
    cur = conn.cursor()
    with cur.copy(sql.SQL("COPY ({}) TO STDOUT WITH {}").format(query, options), params) as cp:
        if fmt == "csv":
            for data in cp:
                out.write(data)
        else:
            _write_json_array(cp, out)
    rows = max(cur.rowcount, 0)
    fresh = conn.execute(
        sql.SQL(load_sql(_PKG, "export_freshness")).format(where=where),  # type: ignore[arg-type]
        params).fetchone()
    missing, dates = fresh if fresh else (0, None)
    return ExportSummary(rows, missing, tuple(dates or ()))


def _write_json_array(copy: Any, out: BinaryIO) -> None:
    """COPY's text format gives one JSON object per line with backslashes doubled."""
    sep = b"[\n"
    for data in copy:
        for line in bytes(data).split(b"\n"):
            if line:
                out.write(sep + line.replace(b"\\\\", b"\\"))
                sep = b",\n"
    out.write(b"[]\n" if sep == b"[\n" else b"\n]\n")


SCHEDULE_COLUMNS = ("installment_no", "due_date", "principal_due", "interest_due", "fee_due",
                    "amount_due", "cumulative_due", "paid_on")


def loan_schedule(conn: Connection, loan_id: str) -> Sequence[tuple[Any, ...]]:
    """A loan's installments (SCHEDULE_COLUMNS); NotFound for an unknown loan."""
    found = conn.execute("SELECT 1 FROM loans WHERE loan_id = %s", [loan_id]).fetchone()
    if found is None:
        raise NotFound(f"no loan {loan_id!r}")
    return conn.execute(load_sql(_PKG, "loan_schedule"), [loan_id]).fetchall()  # type: ignore
