"""Password hashing (argon2id, argon2-cffi's recommended parameters) and the password rules."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from astrofinance.errors import ValidationFailed

MIN_LENGTH = 10
MAX_LENGTH = 1024       # argon2 takes any length; a cap keeps a login from costing a megabyte


@cache
def hasher() -> PasswordHasher:
    return PasswordHasher()


def check_password_rules(password: str, username: str | None = None) -> None:
    """ValidationFailed, with every broken rule, unless the password is acceptable."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"a password needs at least {MIN_LENGTH} characters "
                        f"(this one has {len(password)})")
    if len(password) > MAX_LENGTH:
        problems.append(f"a password has at most {MAX_LENGTH} characters")
    if password and not password.strip():
        problems.append("a password cannot be only spaces")
    if username and password.strip().lower() == username.strip().lower():
        problems.append("a password cannot be the username")
    if problems:
        raise ValidationFailed("password rejected: " + "; ".join(problems))


def hash_password(password: str) -> str:
    """The argon2id hash of a password (salted; encodes its own parameters)."""
    return hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether the password matches the hash (False for a malformed hash)."""
    try:
        return hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with other parameters than the current ones."""
    return hasher().check_needs_rehash(password_hash)


@cache
def dummy_hash() -> str:
    """A hash to verify against when the user does not exist (the same time either way)."""
    return hash_password("astrofinance-no-such-user")
