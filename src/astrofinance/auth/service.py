"""Users and roles: the rules. Services never commit (the caller's session_scope does).

Passwords: argon2id hashes only (passwords.py); at least 10 characters; never logged, never
in an error message, never in the audit log (users.password_hash is masked there).
"""

from __future__ import annotations

import re

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from astrofinance.auth import queries
from astrofinance.auth.models import Role, User
from astrofinance.auth.passwords import (
    check_password_rules,
    dummy_hash,
    hash_password,
    needs_rehash,
    verify_password,
)
from astrofinance.errors import Conflict, NotFound, ValidationFailed

USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{1,63}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+")


def add_user(conn: Connection, username: str, role: str, password: str, *,
             full_name: str | None = None, email: str | None = None) -> User:
    """Create an active user (Conflict when the username is taken, in any case)."""
    username, email = check_new_user(conn, username, role, email)
    check_password_rules(password, username)
    try:
        with conn.begin_nested():
            queries.insert_user(conn, username=username, full_name=_clean(full_name),
                                email=email, role=role, password_hash=hash_password(password))
    except IntegrityError:      # a concurrent add of the same name
        raise Conflict(f"user {username!r} already exists") from None
    return get_user(conn, username)


def check_new_user(conn: Connection, username: str, role: str,
                   email: str | None = None) -> tuple[str, str | None]:
    """Check a new user's name (free?), role and email; the cleaned name and email."""
    username = _check_username(username)
    _check_role(conn, role)
    email = _check_email(email)
    if queries.credentials(conn, username) is not None:
        raise Conflict(f"user {username!r} already exists")
    return username, email


def list_users(conn: Connection) -> list[User]:
    """Every user, by username."""
    return queries.users(conn)


def get_user(conn: Connection, username: str) -> User:
    """The user with this username (any case); NotFound otherwise."""
    found = queries.users(conn, username.strip())
    if not found:
        raise NotFound(f"no user {username.strip()!r}")
    return found[0]


def disable_user(conn: Connection, username: str) -> User:
    """Stop a user from signing in (kept for the audit trail; enable_user undoes it). Their
    sessions end (re-enabled, they sign in again); their API tokens are suspended while
    they are disabled."""
    user = get_user(conn, username)
    if user.is_active and user.role == "admin":
        _keep_an_admin(conn, user, "disable")
    queries.set_active(conn, user.id, False)
    queries.end_sessions(conn, user.id)
    return get_user(conn, username)


def enable_user(conn: Connection, username: str) -> User:
    """Let a disabled user sign in again."""
    user = get_user(conn, username)
    queries.set_active(conn, user.id, True)
    return get_user(conn, username)


def set_role(conn: Connection, username: str, role: str) -> User:
    """Give a user another role."""
    user = get_user(conn, username)
    _check_role(conn, role)
    if user.role == "admin" and role != "admin" and user.is_active:
        _keep_an_admin(conn, user, "demote")
    queries.set_role(conn, user.id, role)
    return get_user(conn, username)


def set_details(conn: Connection, username: str, *, full_name: str | None = None,
                email: str | None = None) -> User:
    """Change a user's full name and/or email: None leaves one as it is, "" clears it. The
    email also links a loan officer, supervisor or vertical lead to their team (auth/scope),
    so what they see follows it from their next request."""
    user = get_user(conn, username)
    name = user.full_name if full_name is None else _clean(full_name)
    address = user.email if email is None else _check_email(email)
    queries.set_details(conn, user.id, name, address)
    return get_user(conn, username)


def reset_password(conn: Connection, username: str, password: str) -> User:
    """Set a new password (the rules of passwords.py apply); the user's sessions end, so
    whoever signed in with the old one signs in again."""
    user = get_user(conn, username)
    check_password_rules(password, user.username)
    queries.set_password_hash(conn, user.id, hash_password(password))
    queries.end_sessions(conn, user.id)
    return get_user(conn, username)


def authenticate(conn: Connection, username: str, password: str) -> User | None:
    """The active user with this username and password, or None (wrong or disabled).

    A success records last_login_at and rehashes a hash made with older argon2 parameters.
    """
    found = queries.credentials(conn, username.strip()) if username.strip() else None
    if found is None:
        verify_password(dummy_hash(), password)    # the same time as for a real user
        return None
    if not verify_password(found.password_hash, password) or not found.is_active:
        return None
    if needs_rehash(found.password_hash):
        queries.set_password_hash(conn, found.id, hash_password(password), changed=False)
    queries.record_login(conn, found.id)
    return get_user(conn, username)


def has_permission(user: User | None, permission: str) -> bool:
    """Whether an active user's role grants the permission (e.g. "payments.post")."""
    return user is not None and user.is_active and permission in user.permissions


def list_roles(conn: Connection) -> list[Role]:
    """The roles with their permissions."""
    return queries.roles(conn)


def _check_username(username: str) -> str:
    username = username.strip()
    if not USERNAME.fullmatch(username):
        raise ValidationFailed(
            f"username {username!r} is not valid: 2 to 64 letters, digits and . _ @ -, "
            "starting with a letter or digit")
    return username


def _check_role(conn: Connection, role: str) -> None:
    names = [r.name for r in queries.roles(conn)]
    if role not in names:
        raise ValidationFailed(f"unknown role {role!r}; the roles are: {', '.join(names)}")


def _check_email(email: str | None) -> str | None:
    email = _clean(email)
    if email is not None and not EMAIL.fullmatch(email):
        raise ValidationFailed(f"{email!r} is not an email address")
    return email


def _keep_an_admin(conn: Connection, user: User, what: str) -> None:
    if queries.other_active_admins(conn, user.id) == 0:
        raise Conflict(f"{user.username} is the last active admin: cannot {what} them; "
                       "make another user admin first")


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None
