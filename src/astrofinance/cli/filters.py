"""The portfolio filter options, shared by `metrics portfolio` and `loans export`."""

from __future__ import annotations

import typer

from astrofinance.cli.common import parse_date

BRANCH = typer.Option(None, "--branch", help="Only this branch (repeatable).")
REGION = typer.Option(None, "--region", help="Only this region (repeatable).")
OFFICER = typer.Option(None, "--officer", help="Only this officer_id (repeatable).")
SUPERVISOR = typer.Option(None, "--supervisor",
                          help="Only loans of this supervisor's officers (email; repeatable).")
VERTICAL_LEAD = typer.Option(None, "--vertical-lead",
                             help="Only loans under this vertical lead (email; repeatable).")
WAVE = typer.Option(None, "--wave", help="Only this wave, e.g. 'Wave 2' or 2 (repeatable).")
PRODUCT = typer.Option(None, "--product", help="Only this product (repeatable).")
DISBURSED_FROM = typer.Option(None, "--disbursed-from",
                              help="Only loans disbursed on or after this date.")
DISBURSED_TO = typer.Option(None, "--disbursed-to",
                            help="Only loans disbursed on or before this date.")


def portfolio_filters(branch: list[str] | None, region: list[str] | None,
                      officer: list[str] | None, supervisor: list[str] | None,
                      vertical_lead: list[str] | None, wave: list[str] | None,
                      product: list[str] | None, disbursed_from: str | None,
                      disbursed_to: str | None):
    """The PortfolioFilters of the options above."""
    from astrofinance.metrics.portfolio import PortfolioFilters

    return PortfolioFilters(
        branch=tuple(branch or ()), region=tuple(region or ()), officer=tuple(officer or ()),
        supervisor=tuple(supervisor or ()), vertical_lead=tuple(vertical_lead or ()),
        wave=tuple(wave or ()), product=tuple(product or ()),
        disbursed_from=parse_date(disbursed_from, "--disbursed-from"),
        disbursed_to=parse_date(disbursed_to, "--disbursed-to"))
