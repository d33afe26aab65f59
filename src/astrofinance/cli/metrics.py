"""`astrofinance metrics ...`."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Callable, Iterator
from enum import StrEnum
from typing import Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from astrofinance.cli import filters
from astrofinance.cli.common import (
    TableJson,
    console,
    database,
    err_console,
    handle_errors,
    parse_date,
)

app = typer.Typer(help="metrics commands.", no_args_is_help=True)


# --------------------------------------------------------------------------------------------
# `metrics portfolio`: portfolio metrics (shared/spec/metrics.md "Portfolio metrics").
# --------------------------------------------------------------------------------------------



class GroupBy(StrEnum):
    officer = "officer"
    branch = "branch"
    region = "region"
    supervisor = "supervisor"
    vertical_lead = "vertical_lead"
    wave = "wave"
    product = "product"


@app.command("portfolio")
@handle_errors
def portfolio(
    as_of: str = typer.Option(
        None, "--as-of", help="Date (YYYY-MM-DD). Default: the date of the stored loan fields "
                              "(the last `metrics recalculate`); another date computes the "
                              "fields on the fly."),
    fmt: TableJson = typer.Option(TableJson.table, "--format",
                                        help="table (Rich) or json (one object)."),
    group_by: GroupBy = typer.Option(None, "--group-by",
                                     help="Also show every metric per officer, branch, region, "
                                          "supervisor, vertical_lead, wave or product."),
    branch: list[str] = filters.BRANCH,
    region: list[str] = filters.REGION,
    officer: list[str] = filters.OFFICER,
    supervisor: list[str] = filters.SUPERVISOR,
    vertical_lead: list[str] = filters.VERTICAL_LEAD,
    wave: list[str] = filters.WAVE,
    product: list[str] = filters.PRODUCT,
    disbursed_from: str = filters.DISBURSED_FROM,
    disbursed_to: str = filters.DISBURSED_TO,
    period_start: str = typer.Option(None, "--period-start",
                                     help="Start of the period for collection rate, "
                                          "disbursements and write-offs. Default: the first "
                                          "day of the as-of month."),
    period_end: str = typer.Option(None, "--period-end",
                                   help="End of that period. Default: the as-of date."),
) -> None:
    """Portfolio metrics: GLP, PAR, arrears, FIMR, early indicator, CBN classes and provisions,
    collection and write-off rates; filtered and optionally grouped."""
    from astrofinance.cli.portfolio_view import render
    from astrofinance.db import session_scope
    from astrofinance.metrics.portfolio import portfolio_metrics

    chosen = filters.portfolio_filters(branch, region, officer, supervisor, vertical_lead,
                                       wave, product, disbursed_from, disbursed_to)
    with session_scope(database()) as conn:
        report = portfolio_metrics(
            conn, as_of=parse_date(as_of, "--as-of"), filters=chosen,
            group_by=group_by.value if group_by else None,
            period_start=parse_date(period_start, "--period-start"),
            period_end=parse_date(period_end, "--period-end"))
    if fmt is TableJson.json:
        typer.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        render(console, report)


# --------------------------------------------------------------------------------------------
# `metrics snapshot`, `metrics backfill`, `metrics trend`: daily portfolio snapshots
# (metrics/snapshots.py; docs/metrics.md "Daily snapshots").
# --------------------------------------------------------------------------------------------


@app.command("snapshot")
@handle_errors
def snapshot(
    as_of: str = typer.Option(None, "--as-of",
                              help="Store the snapshot as of this date (YYYY-MM-DD), replacing "
                                   "that day's. Default: today in the business time zone."),
) -> None:
    """Store the day's portfolio snapshot (GLP, PAR and overdue amounts per officer, hierarchy,
    wave and product); a full `metrics recalculate` does this by itself."""
    from astrofinance.cli.common import today
    from astrofinance.db import session_scope
    from astrofinance.metrics.snapshots import snapshot_days, store_snapshot

    day = parse_date(as_of, "--as-of") or today()
    snapshot_days(day, day, today=today())   # the checks of a backfill: no day after today
    with err_console.status(f"storing the portfolio snapshot as of {day}…"):
        with session_scope(database()) as conn:
            rows = store_snapshot(conn, day)
    console.print(f"Portfolio snapshot as of {day}: {rows:,} rows stored.", highlight=False)


@app.command("backfill")
@handle_errors
def backfill(
    start: str = typer.Option(..., "--from", help="First day to store (YYYY-MM-DD)."),
    end: str = typer.Option(None, "--to", help="Last day to store (YYYY-MM-DD), not after "
                                               "today. Default: today."),
    every: int = typer.Option(1, "--every", min=1,
                              help="Store every N calendar days from --from (the --to day is "
                                   "always stored too). Default: every day."),
) -> None:
    """Store the portfolio snapshot of each day in a span (fields computed as of each day);
    days already stored are replaced. Each day commits on its own."""
    from astrofinance.cli.common import today
    from astrofinance.metrics.snapshots import backfill as run
    from astrofinance.metrics.snapshots import snapshot_days

    first = parse_date(start, "--from")
    assert first is not None  # the option is required
    last = parse_date(end, "--to") or today()
    total = len(snapshot_days(first, last, every, today()))   # bad spans stop here
    with _day_bar(total) as advance:
        result = run(database(), first, last, progress=advance, every=every)
    console.print(f"Backfilled {result.days:,} day(s) {first} .. {last}: {result.rows:,} rows "
                  f"in {result.seconds:.1f} s.", highlight=False)


@contextlib.contextmanager
def _day_bar(total: int) -> Iterator[Callable[[dt.date, int, int], None]]:
    """A progress bar of days stored, on stderr (silent when stderr is not a terminal)."""
    with Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
                  console=err_console, disable=not err_console.is_terminal) as bar:
        task = bar.add_task("snapshots", total=total)

        def advance(day: dt.date, done: int, _total: int) -> None:
            bar.update(task, completed=done, description=f"snapshot {day}")

        yield advance


@app.command("trend")
@handle_errors
def trend(
    start: str = typer.Option(None, "--from", help="First day (YYYY-MM-DD). Default: 90 days "
                                                   "before --to."),
    end: str = typer.Option(None, "--to", help="Last day (YYYY-MM-DD). Default: today."),
    fmt: TableJson = typer.Option(TableJson.table, "--format",
                                  help="table (Rich) or json (one object)."),
    branch: list[str] = filters.BRANCH,
    region: list[str] = filters.REGION,
    officer: list[str] = filters.OFFICER,
    supervisor: list[str] = filters.SUPERVISOR,
    vertical_lead: list[str] = filters.VERTICAL_LEAD,
    wave: list[str] = filters.WAVE,
    product: list[str] = filters.PRODUCT,
) -> None:
    """GLP and PAR over time from the stored daily snapshots (one row per day that has one),
    for the filtered loans."""
    from astrofinance.cli.common import today
    from astrofinance.db import session_scope
    from astrofinance.metrics.snapshots import trend as series
    from astrofinance.metrics.snapshots import trend_json

    last = parse_date(end, "--to") or today()
    first = parse_date(start, "--from") or last - dt.timedelta(days=90)
    chosen = filters.portfolio_filters(branch, region, officer, supervisor, vertical_lead,
                                       wave, product, None, None)
    with session_scope(database()) as conn:
        rows = series(conn, chosen, first, last)
    if fmt is TableJson.json:
        typer.echo(json.dumps({"from": first.isoformat(), "to": last.isoformat(),
                               "filters": chosen.values(), "series": trend_json(rows)},
                              indent=2, ensure_ascii=False))
    else:
        _trend_table(rows, first, last)


def _trend_table(rows: list[dict[str, Any]], first: dt.date, last: dt.date) -> None:
    from astrofinance.cli.portfolio_view import naira, number, percent
    from astrofinance.metrics.snapshots import PAR_DAYS

    table = Table(title=f"Portfolio trend {first} .. {last} (stored daily snapshots)")
    table.add_column("as of", no_wrap=True)
    table.add_column("loans", justify="right")
    table.add_column("GLP", justify="right", no_wrap=True)
    for x in PAR_DAYS:
        table.add_column(f"PAR{x}", justify="right")
    for r in rows:
        table.add_row(r["as_of"].isoformat(), number(r["loans_on_books"]),
                      naira(r["gross_loan_portfolio"]),
                      *(percent(r[f"par{x}_rate"]) for x in PAR_DAYS))
    console.print(table)
    if not rows:
        err_console.print("no snapshot in that span: run `astrofinance metrics backfill` "
                          "(or `metrics recalculate`, which stores the day's).")
