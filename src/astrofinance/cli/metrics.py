"""`astrofinance metrics ...`."""

from __future__ import annotations

import json
from enum import StrEnum

import typer

from astrofinance.cli.common import console, database, handle_errors, parse_date

app = typer.Typer(help="metrics commands.", no_args_is_help=True)


# --------------------------------------------------------------------------------------------
# `metrics portfolio`: portfolio metrics (shared/spec/metrics.md "Portfolio metrics").
# --------------------------------------------------------------------------------------------


class PortfolioFormat(StrEnum):
    table = "table"
    json = "json"


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
    fmt: PortfolioFormat = typer.Option(PortfolioFormat.table, "--format",
                                        help="table (Rich) or json (one object)."),
    group_by: GroupBy = typer.Option(None, "--group-by",
                                     help="Also show every metric per officer, branch, region, "
                                          "supervisor, vertical_lead, wave or product."),
    branch: list[str] = typer.Option(None, "--branch", help="Only this branch (repeatable)."),
    region: list[str] = typer.Option(None, "--region", help="Only this region (repeatable)."),
    officer: list[str] = typer.Option(None, "--officer",
                                      help="Only this officer_id (repeatable)."),
    supervisor: list[str] = typer.Option(None, "--supervisor",
                                         help="Only loans of this supervisor's officers (email; "
                                              "repeatable)."),
    vertical_lead: list[str] = typer.Option(None, "--vertical-lead",
                                            help="Only loans under this vertical lead (email; "
                                                 "repeatable)."),
    wave: list[str] = typer.Option(None, "--wave", help="Only this wave, e.g. 'Wave 2' or 2 "
                                                        "(repeatable)."),
    product: list[str] = typer.Option(None, "--product", help="Only this product (repeatable)."),
    disbursed_from: str = typer.Option(None, "--disbursed-from",
                                       help="Only loans disbursed on or after this date."),
    disbursed_to: str = typer.Option(None, "--disbursed-to",
                                     help="Only loans disbursed on or before this date."),
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
    from astrofinance.metrics.portfolio import PortfolioFilters, portfolio_metrics

    filters = PortfolioFilters(
        branch=tuple(branch or ()), region=tuple(region or ()), officer=tuple(officer or ()),
        supervisor=tuple(supervisor or ()), vertical_lead=tuple(vertical_lead or ()),
        wave=tuple(wave or ()), product=tuple(product or ()),
        disbursed_from=parse_date(disbursed_from, "--disbursed-from"),
        disbursed_to=parse_date(disbursed_to, "--disbursed-to"))
    with session_scope(database()) as conn:
        report = portfolio_metrics(
            conn, as_of=parse_date(as_of, "--as-of"), filters=filters,
            group_by=group_by.value if group_by else None,
            period_start=parse_date(period_start, "--period-start"),
            period_end=parse_date(period_end, "--period-end"))
    if fmt is PortfolioFormat.json:
        typer.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        render(console, report)
