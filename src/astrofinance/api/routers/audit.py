"""GET /audit-log: who changed what, newest first (audit.read: admins and managers)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request

from astrofinance.api.csv import rows_csv
from astrofinance.api.deps import Conn, allow
from astrofinance.api.envelope import ERROR_RESPONSES, Envelope, ok
from astrofinance.api.query import Date
from astrofinance.audit.service import MAX_LIMIT, AuditFilter, list_log
from astrofinance.auth.tokens import Principal

router = APIRouter(tags=["audit"], responses=ERROR_RESPONSES)
COLUMNS = ["id", "table", "record_id", "action", "changed_by", "changed_at", "old_values",
           "new_values", "txid"]


@router.get("/audit-log", response_model=Envelope, summary="The audit log")
def audit_log(
    request: Request, conn: Conn, user: Principal = allow("audit.read"),
    table: Annotated[str | None, Query(max_length=63)] = None,
    record: Annotated[str | None, Query(max_length=200, description="record id")] = None,
    since: Date | None = None,
    changed_by: Annotated[str | None, Query(alias="user", max_length=200)] = None,
    action: Literal["INSERT", "UPDATE", "DELETE", "BULK", "TRUNCATE"] | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    fmt: Annotated[Literal["json", "csv"], Query(alias="format")] = "json",
) -> Any:
    """Rows of the audit log matching the filters (`since` is a business-time-zone day)."""
    entries = [e.as_dict() for e in list_log(
        conn, AuditFilter(table=table, record=record, since=since, user=changed_by,
                          action=action, limit=limit), request.app.state.settings.timezone)]
    if fmt == "csv":
        import json

        return rows_csv(COLUMNS, [{**e, "old_values": json.dumps(e["old_values"]),
                                   "new_values": json.dumps(e["new_values"])} for e in entries],
                        "audit-log")
    return ok({"items": entries, "total": len(entries)})
