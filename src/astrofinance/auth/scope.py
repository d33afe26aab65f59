"""Per-officer scoping: which loans, customers and metrics a principal sees.

A loan officer sees their own loans; a supervisor the loans of the officers they supervise (and
their own); a vertical lead those of the officers in their vertical; every other role all. A
user's officer record is the one linked to them (officers.user_id) or the one with their
email; a supervisor's or vertical lead's team is found by their email in officers'
supervisor_email or vertical_lead_email. A scoped principal with no officer records (e.g. an
API token with the loan_officer role and no user) sees nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text

from astrofinance.kit.sql import load_sql

SCOPED_ROLES = frozenset({"loan_officer", "supervisor", "vertical_lead"})


@dataclass(frozen=True)
class Scope:
    """officer_ids None: everything; else only these officers' loans, customers and metrics."""

    officer_ids: tuple[str, ...] | None = None

    @property
    def everything(self) -> bool:
        return self.officer_ids is None

    def allows(self, officer_id: str | None) -> bool:
        return self.officer_ids is None or (officer_id is not None
                                            and officer_id in self.officer_ids)

    def sql(self, column: str, param: str = "scope_officers") -> tuple[str, dict]:
        """An AND clause limiting `column` (an officer id) to the scope, and its parameter."""
        if self.officer_ids is None:
            return "", {}
        return f" AND {column} = ANY(:{param})", {param: list(self.officer_ids)}


EVERYTHING = Scope()


def scope_for(conn: Connection, role: str, user_id: int | None, email: str | None) -> Scope:
    """The scope of a principal with this role (and user, if any)."""
    if role not in SCOPED_ROLES:
        return EVERYTHING
    if user_id is None:
        return Scope(())
    ids = conn.execute(text(load_sql("astrofinance.auth", "scope_officers")),
                       {"user_id": user_id, "email": email, "role": role}).scalar_one()
    return Scope(tuple(ids))
