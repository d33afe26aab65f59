"""All of the auth package's SQL (in sql/*.sql); values are bound parameters."""

from __future__ import annotations

from sqlalchemy import Connection, text

from astrofinance.auth.models import Credentials, Role, User
from astrofinance.kit.sql import load_sql

_PKG = "astrofinance.auth"


def _q(name: str):
    return text(load_sql(_PKG, name))


def users(conn: Connection, username: str | None = None) -> list[User]:
    rows = conn.execute(_q("users_select"), {"username": username}).mappings()
    return [User(**{**r, "permissions": frozenset(r["permissions"])}) for r in rows]


def insert_user(conn: Connection, *, username: str, full_name: str | None, email: str | None,
                role: str, password_hash: str) -> int:
    return conn.execute(_q("users_insert"), {
        "username": username, "full_name": full_name, "email": email, "role": role,
        "password_hash": password_hash}).scalar_one()


def set_active(conn: Connection, user_id: int, active: bool) -> bool:
    return conn.execute(_q("users_set_active"), {"id": user_id, "active": active}).rowcount > 0


def set_details(conn: Connection, user_id: int, full_name: str | None,
                email: str | None) -> bool:
    return conn.execute(_q("users_set_details"), {"id": user_id, "full_name": full_name,
                                                  "email": email}).rowcount > 0


def end_sessions(conn: Connection, user_id: int) -> int:
    """Revoke the user's live sessions; how many."""
    return conn.execute(_q("tokens_end_sessions"), {"user_id": user_id}).rowcount


def set_role(conn: Connection, user_id: int, role: str) -> bool:
    return conn.execute(_q("users_set_role"), {"id": user_id, "role": role}).rowcount > 0


def set_password_hash(conn: Connection, user_id: int, password_hash: str,
                      changed: bool = True) -> None:
    conn.execute(_q("users_set_password"),
                 {"id": user_id, "password_hash": password_hash, "changed": changed})


def record_login(conn: Connection, user_id: int) -> None:
    conn.execute(_q("users_login"), {"id": user_id})


def credentials(conn: Connection, username: str) -> Credentials | None:
    row = conn.execute(_q("users_credentials"), {"username": username}).first()
    return Credentials(*row) if row else None


def other_active_admins(conn: Connection, user_id: int) -> int:
    return conn.execute(_q("users_active_admins"), {"id": user_id}).scalar_one()


def roles(conn: Connection) -> list[Role]:
    return [Role(name, description, tuple(perms))
            for name, description, perms in conn.execute(_q("roles_list"))]
