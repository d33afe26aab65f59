"""Mounting the web UI on the API's application: its pages, the static files, sign-in, and
errors as pages (the API keeps its JSON envelope under /api/)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.responses import RedirectResponse, Response

from astrofinance.web.auth import LoginRequired, login_url
from astrofinance.web.render import HERE, page

API_PATHS = ("/api/", "/docs", "/openapi.json", "/static/")
HEADINGS = {400: "Bad request", 401: "Please sign in", 403: "Not allowed",
            404: "Not found", 409: "Conflict", 422: "Check the filters",
            429: "Too many attempts", 500: "Something went wrong", 503: "Unavailable"}


def is_page(request: Request) -> bool:
    return not request.url.path.startswith(API_PATHS)


def error_page(request: Request, status: int, message: str,
               headers: dict[str, str] | None = None) -> Response:
    """An error as a page with the site's menu (the user is known when the session is)."""
    from astrofinance.web.pages.common import optional_user

    user = optional_user(request)
    rid = getattr(request.state, "request_id", None) if status >= 500 else None
    response = page(request, "error.html", user, status=status,
                    title=HEADINGS.get(status, "Error"),
                    heading=HEADINGS.get(status, "Error"), message=message, request_id=rid)
    for k, v in (headers or {}).items():
        response.headers[k] = v
    return response


def install(app: FastAPI) -> None:
    """Add the web UI to the API's app: pages at /, static files at /static."""
    from astrofinance.web.pages import ROUTERS

    app.state.error_page = error_page
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for router in ROUTERS:
        app.include_router(router, include_in_schema=False)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Any:
        if request.headers.get("HX-Request"):
            response = Response(status_code=401)
            response.headers["HX-Redirect"] = login_url(exc.next_url)
            return response
        return RedirectResponse(login_url(exc.next_url), status_code=303)

    app.middleware("http")(_drop_empty_filters)


async def _drop_empty_filters(request: Request, call_next):
    """A page's filter form sends every field; an empty one means "any" (so `dpd_min=` is no
    filter, not a validation error)."""
    if is_page(request) and request.scope.get("query_string"):
        from urllib.parse import parse_qsl, urlencode

        pairs = parse_qsl(request.scope["query_string"].decode("latin-1"),
                          keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if v != ""]
        if len(kept) != len(pairs):
            request.scope["query_string"] = urlencode(kept).encode("latin-1")
    return await call_next(request)
