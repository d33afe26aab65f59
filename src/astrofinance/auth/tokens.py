"""Sign-in sessions and API tokens (migration 0008, api_tokens).

A token is `af_` + 43 URL-safe random characters, shown once; only its SHA-256 is stored, so a
copy of the database cannot be used to sign in. Session tokens come from signing in with a
password and expire; API tokens are made by an admin for scripts and cron, act with their own
role (or as a user), and live until revoked or their expiry date.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from astrofinance.auth.scope import Scope, scope_for
from astrofinance.errors import Conflict, NotFound, ValidationFailed
from astrofinance.kit.sql import load_sql

PREFIX = "af_"
TOKEN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@ -]{0,63}")


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user (through a session or a user's API token) or an API token."""

    name: str                # the username, or "token:<name>" for a token without a user
    role: str
    permissions: frozenset[str]
    token_id: int
    kind: str                # session | api
    user_id: int | None
    scope: Scope
    expires_at: dt.datetime | None = None

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "kind": self.kind,
                "permissions": sorted(self.permissions),
                "scope": ("all" if self.scope.everything
                          else {"officer_ids": list(self.scope.officer_ids or ())}),
                "expires_at": self.expires_at.isoformat() if self.expires_at else None}


@dataclass(frozen=True)
class IssuedToken:
    id: int
    token: str               # the secret, shown once
    expires_at: dt.datetime | None


def _q(name: str):
    return text(load_sql("astrofinance.auth", name))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _new_secret() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def _issue(conn: Connection, *, name: str, kind: str, user_id: int | None, role: str | None,
           created_by: str, expires_at: dt.datetime | None) -> IssuedToken:
    secret = _new_secret()
    try:
        with conn.begin_nested():
            token_id = conn.execute(_q("tokens_insert"), {
                "name": name, "kind": kind, "user_id": user_id, "role": role,
                "token_hash": hash_token(secret), "token_prefix": secret[:10],
                "created_by": created_by, "expires_at": expires_at}).scalar_one()
    except IntegrityError:
        raise Conflict(f"an API token named {name!r} exists already (revoke it first)") from None
    return IssuedToken(token_id, secret, expires_at)


def start_session(conn: Connection, user_id: int, username: str,
                  hours: float) -> IssuedToken:
    """A session token for a user who has just signed in."""
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours)
    return _issue(conn, name="session", kind="session", user_id=user_id, role=None,
                  created_by=username, expires_at=expires)


def create_api_token(conn: Connection, *, name: str, created_by: str, role: str | None = None,
                     username: str | None = None,
                     expires_days: int | None = None) -> IssuedToken:
    """A long-lived token with a role (or acting as a user); the secret is in the result only."""
    from astrofinance.auth.service import get_user, list_roles

    name = name.strip()
    if not TOKEN_NAME.fullmatch(name):
        raise ValidationFailed(f"token name {name!r} is not valid: 1 to 64 letters, digits, "
                               "spaces and . _ @ -, starting with a letter or digit")
    if (role is None) == (username is None):
        raise ValidationFailed("give the token a role or a user to act as (one of them, not both)")
    user_id = None
    if username is not None:
        user = get_user(conn, username)
        if not user.is_active:
            raise Conflict(f"user {user.username!r} is disabled")
        user_id = user.id
    elif role not in {r.name for r in list_roles(conn)}:
        raise ValidationFailed(f"unknown role {role!r}; the roles are: "
                               + ", ".join(r.name for r in list_roles(conn)))
    if expires_days is not None and not 1 <= expires_days <= 3650:
        raise ValidationFailed("the expiry must be 1 to 3650 days")
    expires = (dt.datetime.now(dt.UTC) + dt.timedelta(days=expires_days)
               if expires_days else None)
    return _issue(conn, name=name, kind="api", user_id=user_id, role=role,
                  created_by=created_by, expires_at=expires)


def list_tokens(conn: Connection, *, sessions: bool = False, revoked: bool = False,
                token_id: int | None = None) -> list[dict[str, Any]]:
    """API tokens (and sign-in sessions with `sessions`), newest first; never a secret."""
    rows = conn.execute(_q("tokens_list"), {"sessions": sessions, "revoked": revoked,
                                            "id": token_id}).mappings()
    return [dict(r) for r in rows]


def revoke(conn: Connection, *, token_id: int | None = None, name: str | None = None,
           token: str | None = None) -> int:
    """Revoke a token by id, an API token by name, or the token given; NotFound if none was live."""
    ids = conn.execute(_q("tokens_revoke"), {
        "id": token_id, "name": name, "token_hash": hash_token(token) if token else None}
    ).scalars().all()
    if not ids:
        what = f"id {token_id}" if token_id is not None else f"name {name!r}" if name else "it"
        raise NotFound(f"no live token with {what}")
    return len(ids)


def resolve(conn: Connection, token: str) -> Principal | None:
    """The principal of a live token, or None (unknown, revoked, expired, user disabled)."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    row = conn.execute(_q("tokens_resolve"), {"token_hash": hash_token(token)}).first()
    if row is None:
        return None
    if row.touch:
        conn.execute(_q("tokens_touch"), {"id": row.id})
    name = row.username if row.username else f"token:{row.name}"
    return Principal(name=name, role=row.role, permissions=frozenset(row.permissions),
                     token_id=row.id, kind=row.kind, user_id=row.user_id,
                     scope=scope_for(conn, row.role, row.user_id, row.email),
                     expires_at=row.expires_at)


@dataclass(frozen=True)
class LoginLimit:
    """At most `per_user` failed sign-ins per username and `per_client` per client address
    within `window_seconds` (an office behind one address is not locked out by one person)."""

    per_user: int = 5
    per_client: int = 20
    window_seconds: int = 300


def login_retry_after(conn: Connection, username: str, client: str,
                      limit: LoginLimit) -> int | None:
    """Seconds until another sign-in may be tried, or None when it may be tried now."""
    row = conn.execute(_q("login_failures_count"), {
        "username": username, "client": client, "window_seconds": limit.window_seconds,
        "per_user": limit.per_user, "per_client": limit.per_client}).one()
    held = [t for t in (row.user_limit_from, row.client_limit_from) if t is not None]
    if not held:
        return None
    elapsed = (dt.datetime.now(dt.UTC) - max(held)).total_seconds()
    return max(1, int(limit.window_seconds - elapsed) + 1)


def record_login_failure(conn: Connection, username: str, client: str) -> None:
    """Count a failed sign-in (the caller commits it even though the request fails)."""
    conn.execute(_q("login_failures_insert"), {"username": username, "client": client})
