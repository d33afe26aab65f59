"""`astrofinance metrics ...`."""

from __future__ import annotations

import json
from enum import StrEnum

import typer

from astrofinance.cli import filters
from astrofinance.cli.common import TableJson, console, database, handle_errors, parse_date

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
