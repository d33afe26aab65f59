"""`astrofinance audit log`: who changed what, when (the database's audit triggers write it)."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from astrofinance.cli.common import (
    FORMAT_OPTION,
    TableJson,
    console,
    database,
    handle_errors,
    parse_date,
)

app = typer.Typer(help="The audit log: every insert, update and delete on the business tables.",
                  no_args_is_help=True)



@app.command()
@handle_errors
def log(
    table: str = typer.Option(None, "--table", help="Only this table, e.g. loans."),
    record: str = typer.Option(None, "--record",
                               help="Only this record id (a composite key as A/B, e.g. "
                                    "L1/3 for installment 3 of loan L1)."),
    since: str = typer.Option(None, "--since",
                              help="Only changes on or after this day (YYYY-MM-DD, business "
                                   "time zone)."),
    user: str = typer.Option(None, "--user", help="Only changes by this user (as recorded)."),
    action: str = typer.Option(None, "--action",
                               help="INSERT, UPDATE, DELETE, BULK or TRUNCATE."),
    limit: int = typer.Option(100, "--limit", help="At most this many rows (newest first)."),
    fmt: TableJson = FORMAT_OPTION,
) -> None:
    """Show audit rows, newest first: time, user, action, table, record and the changes."""
    from zoneinfo import ZoneInfo

    from astrofinance.audit.service import AuditFilter, list_log
    from astrofinance.config import get_settings
    from astrofinance.db import session_scope

    tz = get_settings().timezone
    f = AuditFilter(table=table, record=record, since=parse_date(since, "--since"), user=user,
                    action=action, limit=limit)
    with session_scope(database()) as conn:
        entries = list_log(conn, f, tz)
    if fmt is TableJson.json:
        typer.echo(json.dumps([e.as_dict() for e in entries], indent=2, ensure_ascii=False))
        return
    out = Table(title=f"Audit log ({len(entries)} row(s), newest first, times in {tz})")
    for col in ("time", "user", "action", "table", "record", "changes"):
        out.add_column(col, overflow="fold")
    zone = ZoneInfo(tz)
    for e in entries:
        out.add_row(e.changed_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"), e.changed_by,
                    e.action, e.table_name, e.record_id or "", e.changes())
    console.print(out)
