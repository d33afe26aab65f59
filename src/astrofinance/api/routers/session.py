"""Signing in and out: POST /auth/login (rate-limited), POST /auth/logout, GET /auth/me."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import Field
from sqlalchemy import Connection

from astrofinance.api.deps import Conn, get_principal
from astrofinance.api.envelope import ERROR_RESPONSES, Envelope, error_response, ok
from astrofinance.api.query import Strict
from astrofinance.auth import tokens
from astrofinance.auth.context import act_as
from astrofinance.auth.models import User
from astrofinance.auth.service import authenticate
from astrofinance.auth.tokens import IssuedToken, LoginLimit, Principal

router = APIRouter(prefix="/auth", tags=["authentication"])


class Login(Strict):
    username: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=1024, repr=False)


def client_address(request: Request) -> str:
    """The caller's address; X-Forwarded-For only from a trusted proxy (a client could
    otherwise dodge the login limit by sending a new address with every try)."""
    host = request.client.host if request.client else "unknown"
    trusted = {p.strip() for p in request.app.state.settings.trusted_proxies.split(",")
               if p.strip()}
    forwarded = request.headers.get("X-Forwarded-For", "")
    if host in trusted and forwarded:
        return forwarded.split(",")[-1].strip()[:64] or host
    return host


@dataclass(frozen=True)
class Refused:
    """A sign-in refused: 401 (wrong password or disabled user) or 429 (rate limit)."""

    status: int
    code: str
    message: str
    details: dict[str, Any] | None = None
    headers: dict[str, str] | None = None


def sign_in(request: Request, conn: Connection, username: str,
            password: str) -> tuple[IssuedToken, User] | Refused:
    """The API's and the web UI's sign-in: the rate limit per username and per client, the
    password check, a failure recorded, or a new session for the user."""
    settings = request.app.state.settings
    client = client_address(request)
    limit = LoginLimit(settings.login_attempts_per_user, settings.login_attempts_per_client,
                       settings.login_window_seconds)
    wait = tokens.login_retry_after(conn, username, client, limit)
    if wait is not None:
        return Refused(429, "too_many_requests",
                       f"too many failed sign-ins: try again in {wait} s",
                       {"retry_after_seconds": wait}, {"Retry-After": str(wait)})
    user = authenticate(conn, username, password)
    if user is None:
        tokens.record_login_failure(conn, username, client)
        return Refused(401, "unauthenticated", "wrong username or password, or the user is "
                                               "disabled")
    act_as(conn, user.username)
    issued = tokens.start_session(conn, user.id, user.username, settings.session_hours)
    request.state.principal = user.username
    return issued, user


@router.post("/login", response_model=Envelope, summary="Sign in: a session token",
             responses={401: ERROR_RESPONSES[401], 429: {"model": ERROR_RESPONSES[401]["model"],
                                                         "description": "Too many failures"}})
def login(body: Login, request: Request, conn: Conn) -> Any:
    """Exchange a username and password for a bearer token lasting ASTROFINANCE_SESSION_HOURS.
    After too many failures for a username or from an address the answer is 429 with
    Retry-After. The password is never logged or echoed."""
    outcome = sign_in(request, conn, body.username, body.password)
    if isinstance(outcome, Refused):
        return error_response(outcome.status, outcome.code, outcome.message,
                              outcome.details, headers=outcome.headers)
    issued, user = outcome
    return ok({"access_token": issued.token, "token_type": "bearer",
               "expires_at": issued.expires_at, "user": {
                   "username": user.username, "full_name": user.full_name, "role": user.role,
                   "permissions": sorted(user.permissions)}}, f"signed in as {user.username}")


@router.post("/logout", response_model=Envelope, summary="Sign out (revoke this token)",
             responses=ERROR_RESPONSES)
def logout(principal: Annotated[Principal, Depends(get_principal)], conn: Conn) -> Any:
    """Revoke the token this request was made with (a session, or an API token)."""
    tokens.revoke(conn, token_id=principal.token_id)
    return ok(None, "signed out")


@router.get("/me", response_model=Envelope, summary="Who am I", responses=ERROR_RESPONSES,
)
def me(principal: Annotated[Principal, Depends(get_principal)]) -> Any:
    """The caller: name, role, permissions and scope (the officers whose loans they see)."""
    return ok(principal.as_dict())
