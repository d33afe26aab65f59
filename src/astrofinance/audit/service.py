"""Reading the audit log (`astrofinance audit log`); the writing is done by the database's
triggers (sql/functions_audit.sql), set up per table by audit_attach()."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, text

from astrofinance.errors import ValidationFailed
from astrofinance.kit.sql import load_sql

_PKG = "astrofinance.audit"
ACTIONS = ("INSERT", "UPDATE", "DELETE", "BULK", "TRUNCATE")
MAX_LIMIT = 10_000


@dataclass(frozen=True)
class AuditFilter:
    """The whitelisted filters of the log; every value is bound as a parameter."""

    table: str | None = None
    record: str | None = None
    since: dt.date | None = None
    user: str | None = None
    action: str | None = None
    limit: int = 100


@dataclass(frozen=True)
class AuditEntry:
    id: int
    table_name: str
    record_id: str | None
    action: str
    old_values: dict[str, Any] | None
    new_values: dict[str, Any] | None
    changed_by: str
    changed_at: dt.datetime
    txid: int

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "table": self.table_name, "record_id": self.record_id,
                "action": self.action, "old_values": self.old_values,
                "new_values": self.new_values, "changed_by": self.changed_by,
                "changed_at": self.changed_at.isoformat(), "txid": self.txid}

    def changes(self, width: int = 160) -> str:
        """The values in one compact line: `col: old → new` for an update."""
        if self.action == "BULK":
            v = self.new_values or {}
            text_ = f"{v.get('operation', '?')} {v.get('rows', 0):,} rows"
            text_ += f": {v['description']}" if v.get("description") else ""
        elif self.action == "UPDATE" and self.old_values is not None \
                and self.new_values is not None:
            text_ = "; ".join(f"{k}: {_short(self.old_values.get(k))} → {_short(v)}"
                              for k, v in self.new_values.items())
        else:
            values = self.new_values if self.action != "DELETE" else self.old_values
            text_ = ", ".join(f"{k}={_short(v)}" for k, v in (values or {}).items()
                              if v is not None)
        return text_ if len(text_) <= width else text_[:width - 1] + "…"


def list_log(conn: Connection, f: AuditFilter, timezone: str) -> list[AuditEntry]:
    """Audit rows matching the filter, newest first (`since` is a day in `timezone`)."""
    if not 1 <= f.limit <= MAX_LIMIT:
        raise ValidationFailed(f"--limit must be between 1 and {MAX_LIMIT:,}")
    action = f.action.strip().upper() if f.action else None
    if action is not None and action not in ACTIONS:
        raise ValidationFailed(f"unknown action {f.action!r}; the actions are: "
                               f"{', '.join(ACTIONS)}")
    if f.table is not None:
        _check_table(conn, f.table)
    since = (dt.datetime.combine(f.since, dt.time(), ZoneInfo(timezone))
             if f.since else None)
    rows = conn.execute(text(load_sql(_PKG, "audit_log")), {
        "table_name": f.table, "record_id": f.record, "since": since,
        "changed_by": f.user, "action": action, "limit": f.limit})
    return [AuditEntry(*r) for r in rows]


def table_names(conn: Connection) -> list[str]:
    """Tables that are audited or have rows in the log."""
    return list(conn.execute(text(load_sql(_PKG, "audit_table_names"))).scalars())


def _check_table(conn: Connection, table: str) -> None:
    names = table_names(conn)
    if table not in names:
        raise ValidationFailed(f"{table!r} is not an audited table; the audited tables are: "
                               f"{', '.join(names)}")


def _short(value: Any, width: int = 40) -> str:
    if value is None:
        return "∅"
    s = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return s if len(s) <= width else s[:width - 1] + "…"
