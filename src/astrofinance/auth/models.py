"""Users and roles as the rest of the code sees them (never with a password hash)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

ROLES = ("admin", "manager", "analyst", "vertical_lead", "supervisor", "loan_officer",
         "viewer")   # seeded by migrations 0004 and 0008


@dataclass(frozen=True)
class User:
    id: int
    username: str
    full_name: str | None
    email: str | None
    role: str
    is_active: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    last_login_at: dt.datetime | None
    password_changed_at: dt.datetime
    permissions: frozenset[str] = field(default_factory=frozenset)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: timestamps in ISO 8601, permissions sorted."""
        def iso(v: dt.datetime | None) -> str | None:
            return v.isoformat() if v else None

        return {"id": self.id, "username": self.username, "full_name": self.full_name,
                "email": self.email, "role": self.role, "is_active": self.is_active,
                "created_at": iso(self.created_at), "updated_at": iso(self.updated_at),
                "last_login_at": iso(self.last_login_at),
                "password_changed_at": iso(self.password_changed_at),
                "permissions": sorted(self.permissions)}


@dataclass(frozen=True)
class Role:
    name: str
    description: str
    permissions: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description,
                "permissions": list(self.permissions)}


@dataclass(frozen=True)
class Credentials:
    """What authentication needs; stays inside the auth package."""

    id: int
    password_hash: str
    is_active: bool
