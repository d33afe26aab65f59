"""Errors rendered once, in the envelope: typed domain errors, HTTP errors, validation errors;
anything else is a 500 with the request id only (the traceback goes to the log, never out)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from astrofinance.api.envelope import error_response
from astrofinance.errors import (
    AstroFinanceError,
    ConfigurationError,
    Conflict,
    NotFound,
    ValidationFailed,
)

log = logging.getLogger("astrofinance.api")

_DOMAIN: list[tuple[type[AstroFinanceError], int, str]] = [
    (NotFound, 404, "not_found"), (Conflict, 409, "conflict"),
    (ValidationFailed, 422, "validation_failed"), (ConfigurationError, 503, "unavailable"),
]

_HTTP_CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 406: "not_acceptable", 409: "conflict",
               413: "too_large", 415: "unsupported_media_type", 422: "validation_failed",
               429: "too_many_requests", 503: "unavailable"}


def request_id(request: Request) -> str:
    return getattr(request.state, "request_id", "-")


def install(app: FastAPI) -> None:
    """Register the handlers on the app."""

    @app.exception_handler(AstroFinanceError)
    async def domain_error(request: Request, exc: AstroFinanceError):
        status, code = next(((s, c) for t, s, c in _DOMAIN if isinstance(exc, t)),
                            (400, "error"))
        details = getattr(exc, "problems", None) or None
        if _web(request):
            return request.app.state.error_page(request, status, str(exc))
        return error_response(status, code, str(exc), details)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        code = _HTTP_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        if _web(request):
            return request.app.state.error_page(request, exc.status_code, message,
                                                getattr(exc, "headers", None))
        return error_response(exc.status_code, code, message,
                              headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        problems = [_problem(e) for e in exc.errors()]
        first = problems[0] if problems else {"field": "?", "reason": "invalid"}
        message = f"invalid {first['field']}: {first['reason']}"
        if len(problems) > 1:
            message += f" (and {len(problems) - 1} more)"
        if _web(request):
            return request.app.state.error_page(request, 422, message)
        return error_response(422, "validation_failed", message, problems)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        return unexpected_response(request, exc)


def _web(request: Request) -> bool:
    """A page of the web UI (installed): its errors are pages, not JSON."""
    from astrofinance.web.app import is_page

    return getattr(request.app.state, "error_page", None) is not None and is_page(request)


def unexpected_response(request: Request, exc: Exception) -> Response:
    """A 500 with the request id only (the traceback goes to the log, without the SQL's
    parameters: the engine hides them); text with a NUL character in a JSON body, which
    PostgreSQL cannot store, is a 422 instead."""
    if "NUL (0x00)" in str(exc):
        return error_response(422, "validation_failed",
                              "invalid body: text may not contain NUL (\\0) characters",
                              [{"field": "body", "reason": "contains a NUL character"}])
    rid = request_id(request)
    log.error("unhandled error in %s %s [request %s]", request.method, request.url.path,
              rid, exc_info=exc)
    if _web(request):
        return request.app.state.error_page(
            request, 500, f"An unexpected error: quote request id {rid} to the operator.")
    return error_response(500, "internal_error",
                          f"internal error; quote request id {rid} to the operator",
                          {"request_id": rid}, headers={"X-Request-ID": rid})


def _problem(error: dict[str, Any]) -> dict[str, Any]:
    """One validation problem: where (query.limit, body.amount, ...) and why; never the
    input itself when it may be a password."""
    loc = [str(p) for p in error.get("loc", ())]
    field = ".".join(loc) or "request"
    out: dict[str, Any] = {"field": field, "reason": error.get("msg", "invalid")}
    if "password" not in field and "input" in error and isinstance(error["input"],
                                                                   (str, int, float)):
        out["value"] = error["input"]
    return out
