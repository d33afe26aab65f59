"""The Branches and Vertical leads roll-ups (the API's /branches and /vertical-leads: the
portfolio metrics per branch or lead with officer counts, the risk band and the totals), and
what the roll-up pages share with the officers' table: the metric columns and the risk band's
rule as the legend states it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from astrofinance.api.deps import Conn
from astrofinance.api.query import Many, Order
from astrofinance.api.routers.officers import GroupSort, PeriodFrom, PeriodTo
from astrofinance.auth.tokens import Principal
from astrofinance.metrics import officers as rollups
from astrofinance.metrics.portfolio import PortfolioFilters
from astrofinance.web.auth import needs
from astrofinance.web.pages.common import filter_options
from astrofinance.web.render import page, query_with

router = APIRouter()
READ = needs("metrics.read")

_METRIC_LABELS = {
    "loans_on_books": ("Loans", "int"), "gross_loan_portfolio": ("GLP", "money"),
    "par30": ("PAR30", "rate"), "fimr_rate": ("FIMR rate", "rate"),
    "early_indicator_rate": ("Early indicator rate", "rate"),
    "due_in_period": ("Due in period", "money"),
    "repaid_in_period": ("Collected in period", "money"),
    "collection_rate": ("Collection rate", "rate"), "avg_dpd": ("Average DPD", "number"),
}
METRIC_COLUMNS: tuple[tuple[str, str, str], ...] = tuple(
    (key, *_METRIC_LABELS[key]) for key in rollups.METRICS)
"""(key, label, kind) of every metric of a roll-up row, in the service's order (a metric the
service adds without a label here is a KeyError at import: the tables never drop one)."""

BAND_RULE = {
    "high": f"PAR30 above {rollups.HIGH_PAR30}% or FIMR rate above {rollups.HIGH_FIMR_RATE}%",
    "watch": (f"otherwise, PAR30 above {rollups.WATCH_PAR30}%, FIMR rate above "
              f"{rollups.WATCH_FIMR_RATE}% or early-indicator rate above "
              f"{rollups.WATCH_EARLY_INDICATOR_RATE}%"),
    "low": "otherwise",
}
"""The legend of the risk band, from the thresholds metrics/officers.py risk_band applies."""

GROUPS: dict[str, dict[str, Any]] = {
    "branch": {"title": "Branches", "noun": "branches", "csv": "/api/v1/branches",
               "heading": "Branch", "key": "branch", "name": "branch", "detail": "region",
               "filter": "branch"},
    "vertical_lead": {"title": "Vertical leads", "noun": "vertical leads",
                      "csv": "/api/v1/vertical-leads", "heading": "Vertical lead",
                      "key": "vertical_lead_email", "name": "vertical_lead_name",
                      "detail": "vertical_lead_email", "filter": "vertical_lead"},
}
"""Per roll-up: its title, the CSV route, the group's key (what sort=name sorts by, and the
value of the /loans and /officers filter named `filter` a row links to), the row's name and
the detail shown under it."""


def table_context(request: Request, conn: Conn, user: Principal, csv_path: str) -> dict[str, Any]:
    """What every roll-up table shows besides its rows: the columns, the legend, the filter
    menus and the CSV link (the API route with the page's own filters and sort)."""
    csv_query = query_with(request, page=None, limit=None, format="csv")
    return {"metric_columns": METRIC_COLUMNS, "band_rule": BAND_RULE,
            "options": filter_options(request, conn, user), "csv_url": f"{csv_path}?{csv_query}"}


def _rollup(request: Request, conn: Conn, user: Principal, group_by: str,
            wave: list[str] | None, product: list[str] | None, region: list[str] | None,
            period_from: Any, period_to: Any, sort: Any, order: str) -> Any:
    """One roll-up page: group_rollup over the caller's scope, as the API's route does."""
    filters = PortfolioFilters(wave=tuple(wave or ()), product=tuple(product or ()),
                               region=tuple(region or ()), scope=user.scope.officer_ids)
    key = ("web.rollup", group_by, filters, period_from, period_to, sort.value, order,
           request.app.state.settings.today())
    r = request.app.state.cache.get(conn, key, lambda c: rollups.group_rollup(
        c, group_by, filters, period_start=period_from, period_end=period_to,
        sort=sort.value, order=order))
    group = GROUPS[group_by]
    return page(request, "rollup.html", user, title=group["title"], r=r, group=group,
                sort=sort.value, order=order, sortable=rollups.GROUP_SORTS,
                **table_context(request, conn, user, group["csv"]))


@router.get("/branches")
def branches(request: Request, conn: Conn, user=READ, wave: Many = None, product: Many = None,
             region: Many = None, period_from: PeriodFrom = None, period_to: PeriodTo = None,
             sort: GroupSort = GroupSort("name"), order: Order = "asc") -> Any:
    return _rollup(request, conn, user, "branch", wave, product, region, period_from,
                   period_to, sort, order)


@router.get("/vertical-leads")
def vertical_leads(request: Request, conn: Conn, user=READ, wave: Many = None,
                   product: Many = None, region: Many = None, period_from: PeriodFrom = None,
                   period_to: PeriodTo = None, sort: GroupSort = GroupSort("name"),
                   order: Order = "asc") -> Any:
    return _rollup(request, conn, user, "vertical_lead", wave, product, region, period_from,
                   period_to, sort, order)
