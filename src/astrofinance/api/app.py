"""The FastAPI application: envelope, errors, request ids, the routers under /api/v1."""

from __future__ import annotations

import logging
import re
import time
import uuid

from fastapi import FastAPI, Request
from starlette.responses import Response

from astrofinance import __version__
from astrofinance.api import errors
from astrofinance.api.cache import VersionedCache
from astrofinance.api.envelope import error_response
from astrofinance.api.routers import ROUTERS, prometheus
from astrofinance.config import Settings, get_settings
from astrofinance.db import Database, get_database
from astrofinance.ops import monitoring

log = logging.getLogger("astrofinance.api")
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
LOG_LEVEL_ENV = "ASTROFINANCE_SERVE_LOG_LEVEL"


def configure_logging(level: str) -> None:
    """Log lines to stderr at `level` (the access lines of the API are INFO), as text or, with
    ASTROFINANCE_LOG_FORMAT=json, one JSON object per line (ops/monitoring.py)."""
    monitoring.configure(level, monitoring.log_format())

DESCRIPTION = """AstroFinance: the loan book and portfolio-risk metrics over HTTP.

Every route but `/api/v1/health` and `/api/v1/auth/login` needs a bearer token: a session token
from `POST /api/v1/auth/login`, or an API token from `astrofinance tokens create`. What a
caller may do is decided by their role; loan officers, supervisors and vertical leads see only
their own (or their team's) loans, customers and metrics. Answers use the envelope
`{"status": "success", "message": ..., "data": ...}`; errors
`{"status": "error", "message": ..., "error": {"code": ..., "details": ...}}`. Money is a
decimal string. Lists take `format=csv` for the whole filtered set as streamed CSV.
"""


def create_app(db: Database | None = None, settings: Settings | None = None,
               web: bool = True) -> FastAPI:
    """The API over `db` (default: the configured database, started and migrated), with the
    web dashboard at / unless `web` is False."""
    app = FastAPI(title="AstroFinance API", version=__version__, description=DESCRIPTION,
                  openapi_url="/openapi.json", docs_url="/docs", redoc_url=None)
    app.state.settings = settings or get_settings()
    app.state.db = db or get_database()
    app.state.cache = VersionedCache(app.state.settings.api_cache_seconds)
    errors.install(app)
    app.middleware("http")(_request_context)
    for router in ROUTERS:
        app.include_router(router, prefix="/api/v1")
    app.include_router(prometheus.router)      # /metrics, outside /api/v1 and the schema
    if web:
        from astrofinance import web as dashboard

        dashboard.install(app)
    return app


async def _request_context(request: Request, call_next):
    """A request id (the caller's X-Request-ID if sane, else a new one) on the response and in
    the access log line, with the caller's name, the status and the time taken."""
    incoming = request.headers.get("X-Request-ID", "")
    rid = incoming if REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex[:16]
    request.state.request_id = rid
    monitoring.REQUEST_ID.set(rid)             # on this request's log lines (JSON logs)
    started = time.perf_counter()
    nul = _nul_parameter(request)
    response: Response
    if nul is not None:
        response = error_response(422, "validation_failed", f"invalid {nul}: text may not "
                                  "contain NUL (\\0) characters",
                                  [{"field": nul, "reason": "contains a NUL character"}])
    else:
        try:
            response = await call_next(request)
        except Exception as exc:   # logged once here, answered with the request id only
            response = errors.unexpected_response(request, exc)
    elapsed = (time.perf_counter() - started) * 1000
    response.headers["X-Request-ID"] = rid
    response.headers["Server-Timing"] = f"app;dur={elapsed:.1f}"
    monitoring.observe_request(request, response.status_code, elapsed / 1000)
    log.info("%s %s %s %.1fms user=%s request=%s", request.method, request.url.path,
             response.status_code, elapsed, getattr(request.state, "principal", "-"), rid)
    return response


def _nul_parameter(request: Request) -> str | None:
    """The path or query parameter holding a NUL character (PostgreSQL text cannot)."""
    if "\x00" in request.url.path:
        return "path"
    for key, value in request.query_params.multi_items():
        if "\x00" in key or "\x00" in value:
            return f"query.{key}"
    return None
