"""Request dependencies: the transaction, who is calling, what they may do, paging.

Every route but /api/v1/health and the login declares one `Permission`; the route-table test
(tests/api/test_route_guards.py) fails for a route that does not, so none can be forgotten.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection

from astrofinance.auth.context import act_as
from astrofinance.auth.tokens import Principal, resolve
from astrofinance.db import Database, session_scope

SESSION_COOKIE = "af_session"
CSRF_COOKIE = "af_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

bearer = HTTPBearer(auto_error=False, scheme_name="token",
                    description="A session token from POST /api/v1/auth/login, or an API "
                                "token from `astrofinance tokens create`.")


def get_db(request: Request) -> Database:
    return request.app.state.db


def get_conn(request: Request) -> Iterator[Connection]:
    """One transaction per request, committed before the response is sent."""
    with session_scope(get_db(request)) as conn:
        yield conn


Conn = Annotated[Connection, Depends(get_conn, scope="function")]


def _unauthenticated(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})


def get_principal(request: Request, conn: Conn,
                  creds: Annotated[HTTPAuthorizationCredentials | None,
                                   Security(bearer)] = None) -> Principal:
    """The caller, from the bearer token or the web UI's session cookie (with its CSRF check
    on writes); 401 when there is none or it is not live."""
    token = creds.credentials if creds else request.cookies.get(SESSION_COOKIE)
    if not token:
        raise _unauthenticated("sign in first: send Authorization: Bearer <token> "
                               "(POST /api/v1/auth/login gives one)")
    if creds is None and request.method not in SAFE_METHODS:
        _check_csrf(request)
    principal = resolve(conn, token)
    if principal is None:
        raise _unauthenticated("the token is not valid: unknown, expired or revoked")
    act_as(conn, principal.name)
    request.state.principal = principal.name
    return principal


def _check_csrf(request: Request) -> None:
    cookie, header = request.cookies.get(CSRF_COOKIE), request.headers.get(CSRF_HEADER)
    if not cookie or not header or not hmac.compare_digest(cookie, header):
        raise HTTPException(403, f"missing or wrong {CSRF_HEADER} header (cookie sign-in)")


class Permission:
    """A route's guard: the caller must hold `permission` (roles and permissions tables)."""

    def __init__(self, permission: str) -> None:
        self.permission = permission

    def __call__(self, principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if not principal.can(self.permission):
            raise HTTPException(403, f"the {principal.role} role may not do this "
                                     f"(it needs the {self.permission} permission)")
        return principal

    def __repr__(self) -> str:
        return f"Permission({self.permission!r})"


def allow(permission: str):
    """Depends(...) on a Permission: `user: Principal = allow("loans.read")`."""
    return Depends(Permission(permission))


@dataclass(frozen=True)
class Page:
    page: int
    limit: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit

    def meta(self, total: int) -> dict[str, int]:
        return {"page": self.page, "limit": self.limit, "total": total,
                "pages": (total + self.limit - 1) // self.limit}


def get_page(request: Request,
             page: Annotated[int, Query(ge=1, le=1_000_000, description="1-based page")] = 1,
             limit: Annotated[int, Query(ge=1, le=10_000, description="rows per page "
                                         "(at most ASTROFINANCE_API_MAX_PAGE_SIZE, 500)")] = 50,
             ) -> Page:
    most = request.app.state.settings.api_max_page_size
    if limit > most and request.query_params.get("format") != "csv":  # CSV ignores limit
        raise RequestValidationError([{"loc": ("query", "limit"), "input": limit,
                                       "msg": f"at most {most} rows per page",
                                       "type": "less_than_equal"}])
    return Page(page, limit)


PageQ = Annotated[Page, Depends(get_page)]
