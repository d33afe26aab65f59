"""`astrofinance verify`: the data-quality summary and checks (exit non-zero on failure)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from astrofinance.cli.common import TableJson, console, database, handle_errors

if TYPE_CHECKING:
    from astrofinance.ops.quality import VerifyReport

SUMMARY_LABELS = {"total_loans": "total loans", "with_wave": "with a wave",
                  "with_vertical_lead": "with a vertical lead", "with_region": "with a region",
                  "with_first_payment_due": "with a first payment due date",
                  "avg_dpd": "average DPD", "avg_outstanding": "average outstanding"}
STATUS_STYLE = {"PASS": "green", "FAIL": "bold red", "SKIP": "dim"}



def register(app: typer.Typer) -> None:
    """Add the `verify` command to the main app."""
    app.command("verify")(verify)


@handle_errors
def verify(
    fmt: TableJson = typer.Option(TableJson.table, "--format",
                                     help="table (Rich) or json (one object)."),
    max_: list[str] = typer.Option(
        None, "--max", metavar="NAME=N",
        help="A check's maximum allowed count (default 0); repeat for more. Overrides "
             "ASTROFINANCE_VERIFY_MAX (e.g. 'repayments_before_disbursement=5,"
             "officers_without_hierarchy=10')."),
    details: bool = typer.Option(False, "--details",
                                 help="List each check's first offending ids."),
    details_limit: int = typer.Option(5, "--details-limit", min=1,
                                      help="How many ids --details lists per check."),
    sync_max_age_hours: float = typer.Option(
        26.0, "--sync-max-age-hours", min=0,
        help="stale_sync fails when the newest sync is older than this."),
    no_sync_check: bool = typer.Option(False, "--no-sync-check",
                                       help="Skip stale_sync (for databases never synced)."),
    skip: list[str] = typer.Option(None, "--skip", metavar="NAME",
                                   help="Skip this check; repeat for more."),
    source_url: str = typer.Option(None, "--source-url", envvar="SOURCE_DATABASE_URL",
                                   show_default=False,
                                   help="The lender's source database: status_mismatches "
                                        "compares loan statuses with it (skipped without)."),
    mapping: str = typer.Option(None, "--mapping", show_default=False,
                                help="The source's mapping (default: SYNC_MAPPING/django-ajo)."),
) -> None:
    """Print the loan summary (the seed guide's verification query) and run the checks.

    Exit code 0 when every check is within its maximum, 3 when any is over it (for cron).
    """
    from astrofinance.db import session_scope
    from astrofinance.ops.quality import EXIT_CHECK_FAILED, CheckContext, configured_limits
    from astrofinance.ops.quality import verify as run

    limits = {**configured_limits(), **_cli_limits(max_ or [])}
    skipped = _cli_skips(skip or [], no_sync_check)
    ctx = CheckContext(details_limit=details_limit, sync_max_age_hours=sync_max_age_hours,
                       source_url=source_url, mapping=mapping)
    with session_scope(database()) as conn:
        report = run(conn, limits=limits, skip=skipped, ctx=ctx, snapshot=True)
    if fmt is TableJson.json:
        typer.echo(json.dumps(report.to_dict(details=details), indent=2, ensure_ascii=False))
    else:
        _render(report, details)
    if not report.passed:
        raise typer.Exit(EXIT_CHECK_FAILED)


def _cli_limits(items: list[str]) -> dict[str, int]:
    from astrofinance.errors import ValidationFailed
    from astrofinance.ops.quality import parse_limits, unknown_checks

    try:
        limits = parse_limits(items)
    except ValidationFailed as e:
        raise typer.BadParameter(str(e), param_hint="--max") from None
    _refuse_unknown(unknown_checks(limits), "--max")
    return limits


def _cli_skips(names: list[str], no_sync_check: bool) -> set[str]:
    from astrofinance.ops.quality import unknown_checks

    _refuse_unknown(unknown_checks(names), "--skip")
    return set(names) | ({"stale_sync"} if no_sync_check else set())


def _refuse_unknown(unknown: list[str], option: str) -> None:
    from astrofinance.ops.quality import CHECKS

    if unknown:
        raise typer.BadParameter(f"unknown check(s): {', '.join(unknown)} (the checks: "
                                 f"{', '.join(c.name for c in CHECKS)})", param_hint=option)


def _render(report: VerifyReport, details: bool) -> None:
    summary = Table(title="Loans (the seed guide's verification query)")
    summary.add_column("")
    summary.add_column("value", justify="right")
    for key, label in SUMMARY_LABELS.items():
        summary.add_row(label, _cell(report.summary.get(key)))
    console.print(summary)
    checks = Table(title="Data-quality checks")
    for col, justify in (("check", "left"), ("count", "right"), ("max", "right"),
                         ("result", "left"), ("what it counts", "left")):
        checks.add_column(col, justify=justify)  # type: ignore[arg-type]
    for r in report.results:
        checks.add_row(r.name, _cell(r.count), str(r.max_allowed),
                       f"[{STATUS_STYLE[r.status]}]{r.status}[/]", r.description)
    console.print(checks)
    if details:
        for r in report.results:
            if r.sample:
                shown = f"first {len(r.sample)} of {r.count:,}" if r.count else "found"
                console.print(f"{r.name} ({shown}): {', '.join(r.sample)}", highlight=False,
                              soft_wrap=True)
    if report.passed:
        console.print("All checks passed.")
    else:
        console.print(f"[bold red]Failed:[/] {', '.join(report.failed)}")


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:,}" if isinstance(value, int) else str(value)
