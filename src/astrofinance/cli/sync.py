"""`astrofinance sync ...` and `astrofinance refresh`: the lender's system of record."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from astrofinance.cli.common import console, database, err_console, handle_errors
from astrofinance.cli.sync_view import SyncBars, counts_table

app = typer.Typer(
    help="Sync from the lender's system of record (a SQL source with a mapping, or a CSV "
         "bundle): full, incremental, fixes, status.",
    no_args_is_help=True)

SOURCE_URL = typer.Option(None, "--source-url", envvar="SOURCE_DATABASE_URL", show_envvar=True,
                          show_default=False,
                          help="The source PostgreSQL (read-only use). Default: "
                               "SOURCE_DATABASE_URL from the environment or .env.")
MAPPING = typer.Option(None, "--mapping", show_default=False,
                       help="A built-in mapping name or a .toml file (default: SYNC_MAPPING, "
                            "else django-ajo).")


class Format(StrEnum):
    table = "table"
    csv = "csv"


@contextmanager
def _syncer(source_url: str | None, mapping: str | None, loans: int | None = None,
            repayments: int | None = None, rows: int | None = None) -> Iterator:
    from astrofinance.config import get_settings
    from astrofinance.sync.mapping import load_mapping
    from astrofinance.sync.runner import BatchSizes, Syncer
    from astrofinance.sync.source import SqlSource

    s = get_settings()
    sizes = BatchSizes(loans or s.sync_batch_loans, repayments or s.sync_batch_repayments,
                       rows or s.sync_batch_rows, workers=s.sync_workers)
    db = database()
    with SqlSource(source_url, load_mapping(mapping or s.sync_mapping)) as source, \
            SyncBars() as bars:
        yield Syncer(source, db, sizes, bars, s.sync_overlap_minutes)


def _report(result) -> None:
    console.print(counts_table(f"Sync run {result.run_id} ({result.command}): {result.status} "
                               f"in {result.seconds:.1f} s", result.counts))
    if result.rejected:
        err_console.print(f"[yellow]{result.rejected:,} row(s) quarantined[/] with their "
                          "reasons: `astrofinance sync quarantine`", highlight=False)


@app.command()
@handle_errors
def full(
    source_url: str = SOURCE_URL,
    mapping: str = MAPPING,
    bundle: Path = typer.Option(None, "--bundle", exists=True, file_okay=False,
                                help="Sync from a CSV bundle directory instead of a SQL source "
                                     "(bad rows are kept, as with import --skip-invalid)."),
    entity: list[str] = typer.Option(None, "--entity",
                                     help="Only this entity (repeat for more): holidays, "
                                          "officers, officer_holidays, customers, loans, "
                                          "repayments, schedules."),
    batch_loans: int = typer.Option(None, "--batch-loans", min=1,
                                    help="Loans per batch (default SYNC_BATCH_LOANS, 500)."),
    batch_repayments: int = typer.Option(None, "--batch-repayments", min=1,
                                         help="Repayments per batch (default "
                                              "SYNC_BATCH_REPAYMENTS, 1000)."),
    batch_rows: int = typer.Option(None, "--batch-rows", min=1,
                                   help="Rows per batch of the other entities (default 1000)."),
    restart: bool = typer.Option(False, "--restart",
                                 help="Start from the beginning even if the last full run "
                                      "stopped part way (default: resume it)."),
) -> None:
    """Sync every row of every entity; resumes an interrupted full run; idempotent."""
    if bundle is not None:
        from astrofinance.cli.importer import import_bundle

        import_bundle(bundle, skip_invalid=True, report=None)  # type: ignore[arg-type]
        return
    with _syncer(source_url, mapping, batch_loans, batch_repayments, batch_rows) as syncer:
        result = syncer.full(entity or None, restart=restart)
    _report(result)
    if not result.changed:
        console.print("Nothing changed: the database already matched the source.")


@app.command()
@handle_errors
def repayments(
    source_url: str = SOURCE_URL,
    mapping: str = MAPPING,
    only: bool = typer.Option(False, "--only",
                              help="Repayments only (default: new and changed officers, "
                                   "customers and loans first, so new loans' repayments fit)."),
    batch_repayments: int = typer.Option(None, "--batch-repayments", min=1,
                                         help="Repayments per batch (default 1000)."),
) -> None:
    """Incremental: rows created or updated since the watermark ((updated_at, id) order)."""
    from sqlalchemy import text

    from astrofinance.db import session_scope

    with session_scope(database()) as conn:
        last = conn.execute(text("SELECT last_sync_at FROM sync_tracking "
                                 "WHERE entity = 'repayments'")).scalar()
    console.print(f"Last sync: {last:%Y-%m-%d %H:%M:%S %Z}" if last else
                  "Last sync: never (this run reads every repayment)")
    entities = ("repayments",) if only else ("officers", "customers", "loans", "repayments")
    with _syncer(source_url, mapping, repayments=batch_repayments) as syncer:
        result = syncer.incremental(entities)
    _report(result)
    c = result.counts.get("repayments")
    if c is not None:
        console.print(f"{c.inserted:,} new repayments synced ({c.updated:,} updated)")


@app.command()
@handle_errors
def holidays(source_url: str = SOURCE_URL, mapping: str = MAPPING) -> None:
    """Holidays from the source (company-wide ones change the business calendar)."""
    from astrofinance.sync.mapping import load_mapping
    from astrofinance.sync.runner import HOLIDAY_ENTITIES

    names = [n for n in HOLIDAY_ENTITIES if n in load_mapping(mapping).entities]
    with _syncer(source_url, mapping) as syncer:
        result = syncer.full(names, command="holidays")
    _report(result)


def _fix(command: str, what: str, source_url: str | None, mapping: str | None) -> None:
    from astrofinance.sync.runner import FIXES

    entity, columns = FIXES[command]
    with _syncer(source_url, mapping) as syncer:
        result = syncer.fix(command, entity, columns)
    c = result.counts.get(entity)
    _report(result)
    console.print(f"{c.updated if c else 0:,} {what} updated from the source.")


@app.command("officer-emails")
@handle_errors
def officer_emails(source_url: str = SOURCE_URL, mapping: str = MAPPING) -> None:
    """Update officers' emails from the source (no new officers)."""
    _fix("officer-emails", "officer email(s)", source_url, mapping)


@app.command("first-due-dates")
@handle_errors
def first_due_dates(source_url: str = SOURCE_URL, mapping: str = MAPPING) -> None:
    """Set loans' first payment due date from the source (start_date); schedules follow."""
    _fix("first-due-dates", "first due date(s)", source_url, mapping)


@app.command("repayment-amounts")
@handle_errors
def repayment_amounts(source_url: str = SOURCE_URL, mapping: str = MAPPING) -> None:
    """Set loans' amounts (principal, interest, fee, total repayable) from the source."""
    _fix("repayment-amounts", "loan amount(s)", source_url, mapping)


@app.command("check-status")
@handle_errors
def check_status(
    source_url: str = SOURCE_URL,
    mapping: str = MAPPING,
    fmt: Format = typer.Option(Format.table, "--format", help="table or csv."),
    output: Path = typer.Option(None, "--output", "-o", dir_okay=False,
                                help="Write to this file (default: standard output)."),
) -> None:
    """List loans whose status differs between the source and here (or missing here)."""
    from astrofinance.config import get_settings
    from astrofinance.sync.mapping import load_mapping
    from astrofinance.sync.source import SqlSource
    from astrofinance.sync.status_check import as_rows, status_mismatches

    s = get_settings()
    with SqlSource(source_url, load_mapping(mapping or s.sync_mapping)) as source:
        found = status_mismatches(source, database())
    header = ["loan_id", "source_status", "expected_status", "status_here"]
    if fmt is Format.csv:
        out = output.open("w", newline="", encoding="utf-8") if output else sys.stdout
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(as_rows(found))
        if output:
            out.close()
    else:
        table = Table(title=f"{len(found):,} loan(s) with a different status")
        for h in header:
            table.add_column(h)
        for row in as_rows(found)[:1000]:
            table.add_row(*row)
        console.print(table)
        if len(found) > 1000:
            console.print(f"… {len(found) - 1000:,} more: use --format csv")
    err_console.print(f"{len(found):,} mismatch(es)", highlight=False)


@app.command()
@handle_errors
def status(limit: int = typer.Option(15, "--limit", min=1, help="Runs to show.")) -> None:
    """The latest sync runs, each entity's last sync and watermark, the quarantine."""
    from astrofinance.db import session_scope
    from astrofinance.sync.history import quarantine_counts, recent_runs, tracking

    with session_scope(database()) as conn:
        runs, tracked, quarantined = recent_runs(conn, limit), tracking(conn), \
            quarantine_counts(conn)
    table = Table(title="Sync runs")
    for col in ("run", "command", "status", "started", "duration", "read", "written",
                "rejected", "errors"):
        table.add_column(col, justify="right" if col in ("run", "read", "written",
                                                         "rejected") else "left")
    for r in runs:
        table.add_row(str(r.id), r.command, r.status, f"{r.started_at:%Y-%m-%d %H:%M:%S}",
                      f"{(r.duration_ms or 0) / 1000:.1f} s" if r.duration_ms else "",
                      f"{r.read:,}", f"{r.written:,}", f"{r.rejected:,}", (r.errors or "")[:60])
    console.print(table)
    t2 = Table(title="Entities (sync_tracking)")
    for col in ("entity", "last_sync_at", "rows_synced", "watermark", "last_status",
                "quarantined"):
        t2.add_column(col)
    for e in tracked:
        t2.add_row(e.entity, f"{e.last_sync_at:%Y-%m-%d %H:%M:%S}" if e.last_sync_at else "",
                   f"{e.rows_synced:,}", f"{e.watermark_at or ''}", e.last_status or "",
                   f"{quarantined.get(e.entity, 0):,}")
    console.print(t2)


@app.command()
@handle_errors
def quarantine(
    entity: str = typer.Option(None, "--entity", help="Only this entity."),
    limit: int = typer.Option(50, "--limit", min=1, help="Rows to show."),
) -> None:
    """Source rows a sync could not take, with every reason (they leave once fixed)."""
    from astrofinance.db import session_scope
    from astrofinance.sync.history import quarantined_rows

    with session_scope(database()) as conn:
        rows, total = quarantined_rows(conn, entity, limit)
    table = Table(title=f"Quarantine: {total:,} row(s)")
    for col in ("entity", "source key", "reason", "first seen", "last run"):
        table.add_column(col)
    for r in rows:
        table.add_row(r.entity, r.source_key, r.reason, f"{r.first_seen_at:%Y-%m-%d %H:%M}",
                      str(r.last_run_id or ""))
    console.print(table)


def register_refresh(main: typer.Typer) -> None:
    """Add the `refresh` command (the complete refresh sequence) to the main app."""
    from astrofinance.cli.refresh import refresh

    main.command()(refresh)
