"""Lists as CSV: the whole filtered set, streamed from a server-side cursor in its own
transaction (the request's has been committed by then), formatted like `loans export`:
money exact, booleans true/false, NULL as an empty cell, dates ISO."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from fastapi.responses import StreamingResponse
from sqlalchemy import text

from astrofinance.db import Database

BATCH = 2000
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, list | tuple):
        return ";".join(cell(v) for v in value)
    return str(value)


def stream_csv(db: Database, query: str, params: Mapping[str, Any],
               filename: str) -> StreamingResponse:
    """A streamed CSV download of `query`'s rows (header from its column names)."""
    return StreamingResponse(
        _rows(db, query, dict(params)), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition":
                 f'attachment; filename="{_SAFE_NAME.sub("_", filename)}.csv"'})


def rows_csv(columns: Sequence[str], rows: Sequence[Mapping[str, Any]],
             filename: str) -> StreamingResponse:
    """A CSV download of rows already computed (aggregates: small by nature)."""
    def body() -> Iterator[str]:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow([cell(r.get(c)) for c in columns])
        yield buf.getvalue()

    return StreamingResponse(body(), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition":
                                      f'attachment; filename="{_SAFE_NAME.sub("_", filename)}'
                                      '.csv"'})


def _rows(db: Database, query: str, params: dict[str, Any]) -> Iterator[str]:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    with db.engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(
            text(query), params)
        w.writerow(list(result.keys()))
        for chunk in result.partitions():
            for row in chunk:
                w.writerow([cell(v) for v in row])
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    if buf.tell():
        yield buf.getvalue()
