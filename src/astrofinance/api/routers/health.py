"""GET /api/v1/health: the one route without authentication (for load balancers and
monitoring); says only whether the service can work, nothing about the book's contents."""

from __future__ import annotations

import functools
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import text

from astrofinance.api.envelope import Envelope, error_response, ok
from astrofinance.db.migrate import head_revision
from astrofinance.kit.sql import load_sql

router = APIRouter(tags=["health"])
_head = functools.cache(head_revision)


@router.get("/health", response_model=Envelope, summary="Service health (no sign-in)")
def health(request: Request) -> Any:
    """Database reachable, schema current, last sync and last recalculation. 503 when the
    database cannot be reached or its schema is not the code's."""
    db = request.app.state.db
    data: dict[str, Any] = {"database": "unreachable", "schema": {"expected": _head()}}
    try:
        with db.begin() as conn:
            row = conn.execute(text(load_sql("astrofinance.api", "health"))).one()
            # read directly: Alembic's context would log two INFO lines on every call
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        data["database"] = "ok"
        data["schema"]["current"] = version
        data.update(row._asdict())
    except Exception:
        return error_response(503, "unavailable", "the database cannot be reached", data)
    current = data["schema"]["current"] == data["schema"]["expected"]
    data["schema"]["up_to_date"] = current
    if not current:
        return error_response(503, "unavailable",
                              "the schema is not current: run `astrofinance db migrate`", data)
    return ok(data, "healthy")
