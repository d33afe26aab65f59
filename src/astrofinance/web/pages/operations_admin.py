"""Operations for admins (users.manage): users and roles, API tokens; and what every
Operations page shares: the tabs, the page's connection in the business time zone, the
"done" redirect and the refused action shown on the page again with the user's input.

Each action calls the service the API's routers call (auth.service, auth.tokens) inside a
savepoint, so a refused action leaves nothing behind and the page can still be rendered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from sqlalchemy import Connection, text
from starlette.responses import RedirectResponse, Response

from astrofinance.api.deps import Conn
from astrofinance.auth import service, tokens
from astrofinance.auth.tokens import Principal
from astrofinance.errors import AstroFinanceError, NotFound, ValidationFailed
from astrofinance.web.auth import needs
from astrofinance.web.render import page

router = APIRouter()   # included by operations.py under /operations
ADMIN = needs("users.manage")
T = TypeVar("T")
TABS: tuple[tuple[str, str, str], ...] = (
    ("Sync", "/operations", "sync.run"),
    ("Data quality", "/operations/data-quality", "sync.run"),
    ("Users", "/operations/users", "users.manage"),
    ("API tokens", "/operations/tokens", "users.manage"),
    ("Holidays", "/operations/holidays", "sync.run"),
    ("Waves", "/operations/waves", "sync.run"),
    ("Audit log", "/operations/audit", "audit.read"),
    ("SMS", "/operations/sms", "sync.run"),
    ("Jobs", "/operations/jobs", "sync.run"),
)
"""The Operations sub-menu; a tab shows only to a role that may open its page."""
Text = Annotated[str, Form(max_length=1024)]


def business_time(request: Request, conn: Connection) -> None:
    """Read timestamps in the business time zone for the rest of this transaction. Called
    only to render, after any write: the session's TimeZone also shapes what SQL writes
    (the audit log's JSON of a timestamp, a date cast from one)."""
    conn.execute(text("SELECT set_config('TimeZone', :tz, true)"),
                 {"tz": request.app.state.settings.timezone})


def ops_page(request: Request, template: str, user: Principal, *, title: str,
             status: int = 200, **context: Any) -> Response:
    """An Operations page: its tabs, the message of the action just done (?done=)."""
    tabs = [(label, path) for label, path, permission in TABS if user.can(permission)]
    context.setdefault("form", {})
    return page(request, template, user, status=status, title=title, tabs=tabs,
                notice=request.query_params.get("done"),
                timezone=request.app.state.settings.timezone, **context)


def done(path: str, message: str, **params: Any) -> RedirectResponse:
    """After a write: back to the page (with `params`), saying what was done."""
    query = urlencode({**params, "done": message})
    return RedirectResponse(f"{path}?{query}", status_code=303)


def attempt(conn: Connection, action: Callable[[], T]) -> T | AstroFinanceError:
    """Run a service call in a savepoint: its result, or the domain error that refused it
    (the savepoint rolled back: nothing of the action stays)."""
    try:
        with conn.begin_nested():
            return action()
    except AstroFinanceError as exc:
        return exc


def refused(render: Callable[..., Response], request: Request, conn: Connection,
            user: Principal, exc: AstroFinanceError, **form: str) -> Response:
    """The page again (`render`), saying why the action was refused, the user's input kept."""
    return render(request, conn, user, refused_status(exc), error=str(exc), form=form)


def refused_status(exc: AstroFinanceError) -> int:
    if isinstance(exc, ValidationFailed):
        return 422
    return 404 if isinstance(exc, NotFound) else 409


def _users_page(request: Request, conn: Connection, user: Principal, status: int = 200,
                **extra: Any) -> Response:
    business_time(request, conn)
    return ops_page(request, "ops_users.html", user, title="Users", status=status,
                    users=service.list_users(conn), roles=service.list_roles(conn), **extra)


@router.get("/users")
def users_page(request: Request, conn: Conn, user=ADMIN) -> Response:
    return _users_page(request, conn, user)


@router.post("/users")
def add_user(request: Request, conn: Conn, username: Text = "", role: Text = "",
             password: Text = "", full_name: Text = "", email: Text = "",
             user=ADMIN) -> Response:
    result = attempt(conn, lambda: service.add_user(conn, username, role, password,
                                                    full_name=full_name, email=email))
    if isinstance(result, AstroFinanceError):
        return refused(_users_page, request, conn, user, result, username=username, role=role,
                       full_name=full_name, email=email)
    return done("/operations/users", f"Added user {result.username} ({result.role}).")


@router.post("/users/{username}/role")
def set_role(request: Request, conn: Conn, username: str, role: Text = "",
             user=ADMIN) -> Response:
    result = attempt(conn, lambda: service.set_role(conn, username, role))
    if isinstance(result, AstroFinanceError):
        return refused(_users_page, request, conn, user, result)
    return done("/operations/users", f"{result.username} is now {result.role}.")


@router.post("/users/{username}/details")
def set_details(request: Request, conn: Conn, username: str, full_name: Text = "",
                email: Text = "", user=ADMIN) -> Response:
    result = attempt(conn, lambda: service.set_details(conn, username, full_name=full_name,
                                                       email=email))
    if isinstance(result, AstroFinanceError):
        return refused(_users_page, request, conn, user, result)
    return done("/operations/users", f"{result.username}: name {result.full_name or '(none)'}, "
                                     f"email {result.email or '(none)'}.")


@router.post("/users/{username}/active")
def set_active(request: Request, conn: Conn, username: str, active: Text = "",
               user=ADMIN) -> Response:
    change = service.enable_user if active == "true" else service.disable_user
    result = attempt(conn, lambda: change(conn, username))
    if isinstance(result, AstroFinanceError):
        return refused(_users_page, request, conn, user, result)
    state = "enabled" if result.is_active else "disabled: they can no longer sign in"
    return done("/operations/users", f"{result.username} is {state}.")


def _tokens_page(request: Request, conn: Connection, user: Principal, status: int = 200,
                 **extra: Any) -> Response:
    business_time(request, conn)
    revoked = request.query_params.get("revoked") == "true"
    response = ops_page(request, "ops_tokens.html", user, title="API tokens", status=status,
                        tokens=tokens.list_tokens(conn, revoked=revoked), revoked=revoked,
                        roles=service.list_roles(conn),
                        users=[u for u in service.list_users(conn) if u.is_active], **extra)
    response.headers["Cache-Control"] = "no-store"    # a new token's secret may be on it
    return response


@router.get("/tokens")
def tokens_page(request: Request, conn: Conn, user=ADMIN) -> Response:
    return _tokens_page(request, conn, user)


@router.post("/tokens")
def create_token(request: Request, conn: Conn, name: Text = "", role: Text = "",
                 username: Text = "", expires_days: Text = "", user=ADMIN) -> Response:
    """A new token: the page shows its secret this once (never a redirect carrying it)."""
    def issue() -> tokens.IssuedToken:
        days = _whole_number(expires_days, "the expiry (days)")
        return tokens.create_api_token(conn, name=name, created_by=user.name,
                                       role=role or None, username=username or None,
                                       expires_days=days)

    result = attempt(conn, issue)
    if isinstance(result, AstroFinanceError):
        return refused(_tokens_page, request, conn, user, result, name=name, role=role,
                       username=username, expires_days=expires_days)
    return _tokens_page(request, conn, user, 201, issued=result, issued_name=name.strip())


@router.post("/tokens/{token_id}/revoke")
def revoke_token(request: Request, conn: Conn, token_id: int, user=ADMIN) -> Response:
    result = attempt(conn, lambda: tokens.revoke(conn, token_id=token_id))
    if isinstance(result, AstroFinanceError):
        return refused(_tokens_page, request, conn, user, result)
    return done("/operations/tokens", f"Revoked token {token_id}: it no longer signs in.")


def _whole_number(value: str, what: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.isdigit():
        raise ValidationFailed(f"{what} must be a whole number, not {value!r}")
    return int(value)
