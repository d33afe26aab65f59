"""Who is looking at a page: the session cookie set at sign-in, a CSRF double-submit on every
write (the af_csrf cookie equals the form's csrf_token field or the X-CSRF-Token header that
htmx sends), and the permission a page needs.

A page without a live session redirects to /login?next=<the page>; a page the role may not
see is a 403 page (never a redirect that hides it).
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from starlette.responses import Response

from astrofinance.api.deps import CSRF_COOKIE, CSRF_HEADER, SAFE_METHODS, SESSION_COOKIE, Conn
from astrofinance.auth.context import act_as
from astrofinance.auth.tokens import Principal, resolve

CSRF_FIELD = "csrf_token"


class LoginRequired(Exception):
    """No live session: the answer is a redirect to the sign-in page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def login_url(next_url: str) -> str:
    return "/login" if next_url in ("", "/") else f"/login?next={quote(next_url, safe='')}"


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a path on this site only (no open redirect)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


async def csrf_checked(request: Request) -> None:
    """A write from a page must carry the CSRF token of its session (header or form field)."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        sent = str((await request.form()).get(CSRF_FIELD) or "")
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not sent or not hmac.compare_digest(cookie, sent):
        raise HTTPException(403, "the form has expired or did not come from this site: "
                                 "reload the page and try again")


def web_user(request: Request, conn: Conn,
             _: Annotated[None, Depends(csrf_checked)] = None) -> Principal:
    """The signed-in user of this page (session cookie only: no bearer tokens here)."""
    token = request.cookies.get(SESSION_COOKIE)
    principal = resolve(conn, token) if token else None
    if principal is None or principal.kind != "session":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target if request.method == "GET" else request.url.path)
    act_as(conn, principal.name)
    request.state.principal = principal.name
    return principal


User = Annotated[Principal, Depends(web_user)]


class Needs:
    """A page's guard: the signed-in user must hold `permission`."""

    def __init__(self, permission: str) -> None:
        self.permission = permission

    def __call__(self, user: User) -> Principal:
        if not user.can(self.permission):
            raise HTTPException(403, f"your role ({user.role}) may not open this page")
        return user


def needs(permission: str):
    return Depends(Needs(permission))


def set_session_cookies(request: Request, response: Response, token: str,
                        max_age: int) -> None:
    """The session (HttpOnly) and its CSRF token (read by the page for htmx's header)."""
    secure = request.url.scheme == "https" or request.app.state.settings.secure_cookies
    response.set_cookie(SESSION_COOKIE, token, max_age=max_age, httponly=True,
                        samesite="lax", secure=secure, path="/")
    response.set_cookie(CSRF_COOKIE, secrets.token_urlsafe(24), max_age=max_age,
                        httponly=False, samesite="strict", secure=secure, path="/")


def same_origin(request: Request) -> None:
    """A sign-in posted from another site is refused (login CSRF: signing a victim in as
    the attacker): the browser's Origin (or Referer) must be this site when it sends one."""
    from urllib.parse import urlsplit

    sent = request.headers.get("origin") or request.headers.get("referer")
    if not sent or sent == "null":
        return
    if urlsplit(sent).netloc != request.headers.get("host", request.url.netloc):
        raise HTTPException(403, "sign in from this site's own login page")


def clear_session_cookies(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
