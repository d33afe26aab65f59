"""Signing in and out of the dashboard: the login page sets the session cookie (the API's
sign-in, with its rate limit) and its CSRF cookie; signing out revokes the session."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse

from astrofinance.api.deps import Conn
from astrofinance.api.routers.session import Refused, sign_in
from astrofinance.auth import tokens
from astrofinance.web.auth import (
    User,
    clear_session_cookies,
    csrf_checked,
    safe_next,
    same_origin,
    set_session_cookies,
)
from astrofinance.web.pages.common import optional_user
from astrofinance.web.render import page

router = APIRouter()


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Any:   # noqa: A002 (the URL's name)
    if optional_user(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return page(request, "login.html", None, title="Sign in", next=safe_next(next),
                notice="You have signed out." if request.query_params.get("bye") else None)


@router.post("/login", dependencies=[Depends(same_origin)])
def login(request: Request, conn: Conn, username: Annotated[str, Form(max_length=128)],
          password: Annotated[str, Form(max_length=1024)],
          next: Annotated[str, Form(max_length=2000)] = "/") -> Any:  # noqa: A002
    outcome = sign_in(request, conn, username, password)
    if isinstance(outcome, Refused):
        message = ("Wrong username or password, or the user is disabled."
                   if outcome.status == 401 else outcome.message.capitalize() + ".")
        refused = page(request, "login.html", None, status=outcome.status, title="Sign in",
                       error=message, next=safe_next(next), username=username)
        for k, v in (outcome.headers or {}).items():
            refused.headers[k] = v
        return refused
    issued, _user = outcome
    response = RedirectResponse(safe_next(next), status_code=303)
    hours = request.app.state.settings.session_hours
    set_session_cookies(request, response, issued.token, int(hours * 3600))
    return response


@router.post("/logout", dependencies=[Depends(csrf_checked)])
def logout(request: Request, conn: Conn, user: User) -> Any:
    tokens.revoke(conn, token_id=user.token_id)
    response = RedirectResponse("/login?bye=1", status_code=303)
    clear_session_cookies(response)
    return response
