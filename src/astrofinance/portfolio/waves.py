"""Waves: rules stored as data (wave_rules), assigned to loans by SQL (functions_waves.sql).

Every insert/update/delete of wave_rules fires a statement trigger that re-assigns the wave of
every loan, so a rule change is in effect as soon as it commits; `assign` is the explicit
backfill (for loans changed behind the triggers' back, or a subset of loans).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import Connection, text

from astrofinance.errors import NotFound, ValidationFailed
from astrofinance.kit.sql import load_sql

_PKG = "astrofinance.portfolio"
_WAVE = re.compile(r"(?:wave\s*)?(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class WaveRule:
    id: int
    priority: int
    wave: str
    officer_hired_on_or_after: dt.date | None
    disbursed_on_or_after: dt.date | None
    active: bool
    description: str | None

    @property
    def conditions(self) -> str:
        """The rule's conditions in words ("always" when it has none)."""
        parts = []
        if self.officer_hired_on_or_after:
            parts.append(f"officer hired on or after {self.officer_hired_on_or_after}")
        if self.disbursed_on_or_after:
            parts.append(f"disbursed on or after {self.disbursed_on_or_after}")
        return " and ".join(parts) or "always"


def normalize_wave(value: str) -> str:
    """'Wave 3', 'wave3' or '3' -> 'Wave 3'."""
    m = _WAVE.fullmatch(value.strip())
    if not m:
        raise ValidationFailed(f"{value!r} is not a wave: use 'Wave N' (e.g. 'Wave 3')")
    return f"Wave {int(m[1])}"


def list_rules(conn: Connection) -> list[WaveRule]:
    """The rules in the order they are tried."""
    return [WaveRule(*r) for r in conn.execute(text(load_sql(_PKG, "waves_rules")))]


def loans_per_wave(conn: Connection) -> dict[str | None, int]:
    """How many loans each wave has (None: loans no active rule matched)."""
    rows = conn.execute(text(
        "SELECT wave, count(*) FROM loans GROUP BY wave ORDER BY wave NULLS LAST"))
    return {w: n for w, n in rows}


def assign(conn: Connection, loan_ids: list[str] | None = None) -> int:
    """Re-assign the waves of all loans (or the given ones); returns how many changed."""
    return int(conn.execute(text("SELECT assign_waves(CAST(:ids AS text[]))"),
                            {"ids": loan_ids or None}).scalar_one())


def add_rule(conn: Connection, *, wave: str, priority: int,
             officer_hired_on_or_after: dt.date | None = None,
             disbursed_on_or_after: dt.date | None = None,
             description: str | None = None) -> WaveRule:
    """Add an active rule (every loan's wave is re-assigned by the rules' trigger)."""
    new_id = conn.execute(text(load_sql(_PKG, "waves_add_rule")), {
        "priority": priority, "wave": normalize_wave(wave),
        "hired": officer_hired_on_or_after, "disbursed": disbursed_on_or_after,
        "description": (description or "").strip() or None,
    }).scalar_one()
    return get_rule(conn, new_id)


def set_rule_active(conn: Connection, rule_id: int, active: bool) -> WaveRule:
    """Enable or disable a rule (every loan's wave is re-assigned by the rules' trigger)."""
    found = conn.execute(text("UPDATE wave_rules SET active = :a WHERE id = :id RETURNING id"),
                         {"a": active, "id": rule_id}).first()
    if found is None:
        raise NotFound(f"no wave rule with id {rule_id}")
    return get_rule(conn, rule_id)


def get_rule(conn: Connection, rule_id: int) -> WaveRule:
    """One rule by id (NotFound when absent)."""
    for rule in list_rules(conn):
        if rule.id == rule_id:
            return rule
    raise NotFound(f"no wave rule with id {rule_id}")
