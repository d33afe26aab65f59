"""Users, roles and API tokens (the users.manage permission: admins)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import Field

from astrofinance.api.csv import rows_csv
from astrofinance.api.deps import Conn, allow
from astrofinance.api.envelope import ERROR_RESPONSES, Envelope, ok
from astrofinance.api.query import Strict
from astrofinance.auth import service, tokens
from astrofinance.auth.tokens import Principal

router = APIRouter(tags=["users and tokens"], responses=ERROR_RESPONSES)
ADMIN = allow("users.manage")
Format = Annotated[Literal["json", "csv"], Query(alias="format",
                                                 description="json (default) or csv")]

USER_COLUMNS = ["id", "username", "full_name", "email", "role", "is_active", "created_at",
                "last_login_at", "password_changed_at"]
TOKEN_COLUMNS = ["id", "name", "kind", "username", "role", "token_prefix", "created_by",
                 "created_at", "expires_at", "last_used_at", "revoked_at"]


class NewUser(Strict):
    username: str = Field(min_length=2, max_length=64)
    role: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=10, max_length=1024, repr=False)
    full_name: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=254)


class UserChange(Strict):
    role: str | None = Field(None, min_length=1, max_length=64)
    is_active: bool | None = None
    password: str | None = Field(None, min_length=10, max_length=1024, repr=False)
    full_name: str | None = Field(None, max_length=200, description='"" clears it')
    email: str | None = Field(None, max_length=254, description='"" clears it')


class NewToken(Strict):
    name: str = Field(min_length=1, max_length=64)
    role: str | None = Field(None, max_length=64, description="the token's role, or ...")
    username: str | None = Field(None, max_length=64, description="... a user it acts as")
    expires_days: int | None = Field(None, ge=1, le=3650)


@router.get("/users", response_model=Envelope, summary="Users")
def list_users(conn: Conn, user: Principal = ADMIN, fmt: Format = "json") -> Any:
    users = [u.as_dict() for u in service.list_users(conn)]
    if fmt == "csv":
        return rows_csv(USER_COLUMNS, users, "users")
    return ok({"items": users, "total": len(users)})


@router.post("/users", response_model=Envelope, status_code=201, summary="Add a user")
def add_user(body: NewUser, conn: Conn, user: Principal = ADMIN) -> Any:
    added = service.add_user(conn, body.username, body.role, body.password,
                             full_name=body.full_name, email=body.email)
    return ok(added.as_dict(), f"added user {added.username} ({added.role})", 201)


@router.get("/users/{username}", response_model=Envelope, summary="One user")
def get_user(username: str, conn: Conn, user: Principal = ADMIN) -> Any:
    return ok(service.get_user(conn, username).as_dict())


@router.patch("/users/{username}", response_model=Envelope,
              summary="Change a user's role, activity, password, name or email")
def change_user(username: str, body: UserChange, conn: Conn, user: Principal = ADMIN) -> Any:
    if body.role is not None:
        service.set_role(conn, username, body.role)
    if body.is_active is not None:
        (service.enable_user if body.is_active else service.disable_user)(conn, username)
    if body.password is not None:
        service.reset_password(conn, username, body.password)
    if body.full_name is not None or body.email is not None:
        service.set_details(conn, username, full_name=body.full_name, email=body.email)
    return ok(service.get_user(conn, username).as_dict(), f"updated user {username}")


@router.get("/roles", response_model=Envelope, summary="Roles and their permissions")
def list_roles(conn: Conn, user: Principal = ADMIN) -> Any:
    roles = [r.as_dict() for r in service.list_roles(conn)]
    return ok({"items": roles, "total": len(roles)})


@router.get("/tokens", response_model=Envelope, summary="API tokens (never their secrets)")
def list_tokens(conn: Conn, user: Principal = ADMIN, fmt: Format = "json",
                sessions: bool = False, revoked: bool = False) -> Any:
    rows = tokens.list_tokens(conn, sessions=sessions, revoked=revoked)
    if fmt == "csv":
        return rows_csv(TOKEN_COLUMNS, rows, "tokens")
    return ok({"items": rows, "total": len(rows)})


@router.post("/tokens", response_model=Envelope, status_code=201,
             summary="Create an API token (its secret is shown in this answer only)")
def create_token(body: NewToken, conn: Conn, user: Principal = ADMIN) -> Any:
    issued = tokens.create_api_token(conn, name=body.name, created_by=user.name,
                                     role=body.role, username=body.username,
                                     expires_days=body.expires_days)
    row = tokens.list_tokens(conn, token_id=issued.id)[0]
    return ok({**row, "token": issued.token},
              f"created API token {body.name}: store it now, it is not shown again", 201)


@router.delete("/tokens/{token_id}", response_model=Envelope, summary="Revoke a token")
def revoke_token(token_id: int, conn: Conn, user: Principal = ADMIN) -> Any:
    tokens.revoke(conn, token_id=token_id)
    return ok({"id": token_id}, f"revoked token {token_id}")
