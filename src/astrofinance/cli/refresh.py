"""`astrofinance refresh`: the complete refresh sequence, step by step, with a summary."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from astrofinance.cli.common import console, err_console, handle_errors, parse_date, today

STATUS = {"ok": "[green]ok[/]", "skipped": "[dim]skipped[/]", "failed": "[bold red]FAILED[/]",
          "not run": "[dim]not run[/]"}


class StepDisplay:
    def step_started(self, name: str) -> None:
        console.print(f"[bold]→ {name}[/] …", highlight=False)

    def step_done(self, result) -> None:
        console.print(f"  {STATUS[result.status]} {result.detail} "
                      f"[dim]({result.seconds:.1f} s)[/]", highlight=False, soft_wrap=True)


@handle_errors
def refresh(
    source_url: str = typer.Option(None, "--source-url", envvar="SOURCE_DATABASE_URL",
                                   show_default=False,
                                   help="The source PostgreSQL (default: SOURCE_DATABASE_URL)."),
    mapping: str = typer.Option(None, "--mapping", show_default=False,
                                help="A built-in mapping name or a .toml file."),
    verticals: Path = typer.Option(None, "--verticals", exists=True, dir_okay=False,
                                   help="The hierarchy TSV to load (skipped when not given)."),
    as_of: str = typer.Option(None, "--as-of", help="Recalculate as of this date (YYYY-MM-DD; "
                                                   "default: today)."),
    max_: list[str] = typer.Option(None, "--max", help="verify: NAME=N, a check's maximum."),
) -> None:
    """Run the whole refresh: full sync, holidays, first due dates, waves, hierarchy,
    recalculate, verify. Stops at a failed step (exit 1); exit 3 when verify fails."""
    from astrofinance.cli.sync import _syncer
    from astrofinance.ops.quality import EXIT_CHECK_FAILED, configured_limits, parse_limits
    from astrofinance.sync.refresh import Refresh

    day = parse_date(as_of, "--as-of") or today()
    limits = {**configured_limits(), **parse_limits(max_ or [])}
    with _syncer(source_url, mapping) as syncer:
        job = Refresh(syncer, syncer.db, day, verticals, limits)
        result = job.run(StepDisplay())
    table = Table(title="Refresh summary")
    for col in ("step", "status", "result", "time"):
        table.add_column(col)
    for s in result.steps:
        table.add_row(s.name, STATUS[s.status], s.detail, f"{s.seconds:.1f} s" if s.seconds
                      else "")
    console.print(table)
    failed = result.failed
    if failed:
        err_console.print(f"[bold red]error:[/] the refresh stopped at '{failed.name}': "
                          f"{failed.detail}. The steps before it are done and committed; fix "
                          "the cause and run `astrofinance refresh` again (the sync resumes).",
                          highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    if result.verify_passed is False:
        raise typer.Exit(EXIT_CHECK_FAILED)
