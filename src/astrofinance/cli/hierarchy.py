"""`astrofinance hierarchy ...`: officers' supervisors, vertical leads, regions and branches."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from astrofinance.cli.common import FORMAT_OPTION, TableJson, console, database, handle_errors

if TYPE_CHECKING:
    from astrofinance.portfolio.hierarchy import LoadResult

app = typer.Typer(
    help="The officer hierarchy (supervisor, vertical lead, region, branch), loaded from a TSV "
         "and kept on loans.",
    no_args_is_help=True)

PREVIEW = 20          # problem rows shown on the terminal (the --report file has them all)
CHANGES_PREVIEW = 50  # changes shown by --dry-run
PROBLEM_LABELS = {"unknown_email": "unknown emails", "duplicate": "duplicates (applied once)",
                  "conflict": "conflicts (not applied)",
                  "ambiguous_email": "emails shared by several officers (not applied)",
                  "branch_region_conflict": "branch-region conflicts (not applied)",
                  "missing_email": "rows without an email (not applied)"}



@app.command()
@handle_errors
def load(
    file: Path = typer.Argument(..., help="The verticals TSV: a header row (email, "
                                          "supervisor_email, supervisor_name, "
                                          "vertical_lead_email, vertical_lead_name, region, "
                                          "branch; any order), one officer a row."),
    dry_run: bool = typer.Option(False, "--dry-run",
                                 help="Show what would change; write nothing."),
    report: Path = typer.Option(None, "--report",
                                help="Write every problem row (line, problem, detail, values) "
                                     "to this CSV file."),
) -> None:
    """Load officers' hierarchy from a TSV (matched by email, case and spaces ignored).

    Reported: unknown emails, duplicates, conflicts, shared emails, two-region branches.

    Conflicting rows are not applied. Officers' loans follow them automatically.
    """
    from astrofinance.db import session_scope
    from astrofinance.portfolio.hierarchy import load_verticals, write_report

    with session_scope(database()) as conn:
        result = load_verticals(conn, file, dry_run=dry_run)
        if report is not None:   # inside the transaction: no report, no load
            write_report(report, result.problems)
    _print_load(file, result)
    if report is not None:
        console.print(f"Report of {len(result.problems)} problem row(s): {report}",
                      highlight=False)


def _print_load(file: Path, r: LoadResult) -> None:
    ignored = f"; ignored columns: {', '.join(r.file.ignored)}" if r.file.ignored else ""
    console.print(f"Read {r.rows_read} row(s) from {file.name} "
                  f"(columns: {', '.join(r.file.columns)}{ignored}).", highlight=False)
    would = "would be " if r.dry_run else ""
    console.print(f"Officers: {r.matched} matched, {r.updated} {would}updated, "
                  f"{r.unchanged} unchanged; {r.region_by_branch} more {would}given their "
                  "branch's region.", highlight=False)
    console.print(f"Loans following their officers' new hierarchy: {r.loans_to_follow}.",
                  highlight=False)
    console.print("Problems: " + ", ".join(f"{r.count(k)} {label}"
                                           for k, label in PROBLEM_LABELS.items()) + ".",
                  highlight=False)
    for p in r.problems[:PREVIEW]:
        console.print(f"  {p}", highlight=False, soft_wrap=True)
    if len(r.problems) > PREVIEW:
        console.print(f"  … and {len(r.problems) - PREVIEW} more (see --report)")
    if r.dry_run:
        _print_changes(r)
        console.print("Dry run: nothing was written.")


def _print_changes(r: LoadResult) -> None:
    if not r.changes:
        return
    table = Table(title=f"Changes ({len(r.changes)})")
    for col in ("officer", "email", "field", "old", "new", "why"):
        table.add_column(col)
    for c in r.changes[:CHANGES_PREVIEW]:
        table.add_row(c.officer_id, c.email or "", c.field, c.old_value or "",
                      c.new_value or "", "row" if c.via == "email" else "branch's region")
    console.print(table)
    if len(r.changes) > CHANGES_PREVIEW:
        console.print(f"… and {len(r.changes) - CHANGES_PREVIEW} more change(s).")


@app.command()
@handle_errors
def apply(
    dry_run: bool = typer.Option(False, "--dry-run",
                                 help="Count the loans that would change; write nothing."),
) -> None:
    """Copy every officer's hierarchy onto their loans again (only loans that differ).

    Loans follow their officer automatically: this is for loans edited by hand.
    """
    from astrofinance.db import session_scope
    from astrofinance.portfolio.hierarchy import apply_to_loans

    with session_scope(database()) as conn:
        changed = apply_to_loans(conn, dry_run=dry_run)
    if dry_run:
        console.print(f"{changed} loan(s) would change (dry run: nothing was written).")
    else:
        console.print(f"{changed} loan(s) changed.")


@app.command()
@handle_errors
def show(
    fmt: TableJson = FORMAT_OPTION,
) -> None:
    """Hierarchy coverage, and the vertical leads with their officers and loans."""
    from astrofinance.db import session_scope
    from astrofinance.portfolio.hierarchy import coverage, vertical_leads

    with session_scope(database()) as conn:
        cov, leads = coverage(conn), vertical_leads(conn)
    if fmt is TableJson.json:
        typer.echo(json.dumps({"coverage": _jsonable(cov), "vertical_leads": leads}, indent=2,
                              ensure_ascii=False))
        return
    _print_coverage(cov)
    table = Table(title="Vertical leads")
    for col, justify in (("vertical lead", "left"), ("email", "left"), ("officers", "right"),
                         ("loans", "right")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for lead in leads:
        table.add_row(lead["vertical_lead_name"] or "", lead["vertical_lead_email"] or "(none)",
                      f"{lead['officers']:,}", f"{lead['loans']:,}")
    console.print(table)


def _print_coverage(c: dict[str, Any]) -> None:
    table = Table(title="Hierarchy coverage")
    table.add_column("")
    table.add_column("count", justify="right")
    rows = [("officers", c["officers"]),
            ("officers with a vertical lead", c["officers_with_vertical_lead"]),
            ("officers with a region", c["officers_with_region"]),
            ("officers with loans", c["officers_with_loans"]),
            ("officers with loans, no vertical lead or region",
             c["officers_with_loans_missing_hierarchy"]),
            ("loans", c["total_loans"]),
            ("loans with a vertical lead", c["with_vertical_lead"]),
            ("loans with a region", c["with_region"])]
    for label, n in rows:
        table.add_row(label, f"{n:,}")
    table.add_row("loans' vertical lead coverage", _pct(c["coverage_pct"]))
    table.add_row("loans' region coverage", _pct(c["region_coverage_pct"]))
    console.print(table)


def _pct(value: Any) -> str:
    return "-" if value is None else f"{value}%"


def _jsonable(d: dict[str, Any]) -> dict[str, Any]:
    return {k: (float(v) if k.endswith("_pct") and v is not None else v) for k, v in d.items()}
