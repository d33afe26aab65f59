"""GET /metrics: Prometheus text format (ops/monitoring.py), outside /api/v1 and the OpenAPI
document.

Who may read it: a client whose address is in ASTROFINANCE_METRICS_ALLOW (comma-separated
addresses, default 127.0.0.1: a Prometheus on the same host) without signing in; anyone else
with a bearer token (API token or session) whose role holds ASTROFINANCE_METRICS_PERMISSION
(default audit.read: admin and manager). Otherwise 401 (no or a dead token) or 403.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from astrofinance.api.routers.session import client_address
from astrofinance.auth.tokens import resolve
from astrofinance.db import session_scope
from astrofinance.ops import monitoring

router = APIRouter(include_in_schema=False)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def allowed_addresses(setting: str) -> frozenset[str]:
    return frozenset(a.strip() for a in setting.split(",") if a.strip())


def authorize(request: Request) -> None:
    """Raise 401/403 unless the caller may read the metrics (see the module's docstring)."""
    settings = request.app.state.settings
    if client_address(request) in allowed_addresses(settings.metrics_allow):
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(401, "the metrics need a bearer token from this address "
                                 "(or list it in ASTROFINANCE_METRICS_ALLOW)",
                            headers={"WWW-Authenticate": "Bearer"})
    with session_scope(request.app.state.db) as conn:
        principal = resolve(conn, token.strip())
    if principal is None:
        raise HTTPException(401, "the token is not valid: unknown, expired or revoked",
                            headers={"WWW-Authenticate": "Bearer"})
    request.state.principal = principal.name
    permission = settings.metrics_permission
    if not principal.can(permission):
        raise HTTPException(403, f"the {principal.role} role may not read the metrics "
                                 f"(it needs the {permission} permission)")


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    await run_in_threadpool(authorize, request)
    body = await run_in_threadpool(monitoring.render, request.app.state.db)
    return Response(body, media_type=CONTENT_TYPE)
