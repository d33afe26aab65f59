"""Officers, branches and vertical leads with their portfolio metrics and risk band; an
officer's riskiest loans; collections (due vs collected) per day, branch or officer."""

from __future__ import annotations

import enum
from dataclasses import replace
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from astrofinance.api.csv import rows_csv
from astrofinance.api.deps import Conn, PageQ, allow
from astrofinance.api.envelope import ERROR_RESPONSES, Envelope, counted, ok
from astrofinance.api.query import Date, Format, Many, Order
from astrofinance.api.routers.metrics import AsOf
from astrofinance.auth.tokens import Principal
from astrofinance.metrics import officers as rollups
from astrofinance.metrics.collections import collection_period, collections
from astrofinance.metrics.portfolio import PortfolioFilters

GROUP_NOUNS = {"branch": ("branch", "branches"), "vertical_lead": ("vertical lead", None)}
router = APIRouter(tags=["officers"], responses=ERROR_RESPONSES)
READ = allow("metrics.read")

OfficerSort = enum.StrEnum("OfficerSort", {k: k for k in rollups.OFFICER_SORTS})  # type: ignore[misc]
GroupSort = enum.StrEnum("GroupSort", {k: k for k in rollups.GROUP_SORTS})  # type: ignore[misc]
Band = Literal["high", "watch", "low", "none"]
Emails = Annotated[list[str] | None, Query(max_length=200, description="email (repeatable)")]
PeriodFrom = Annotated[Date | None, Query(description="period start (default: the first "
                                                         "day of the period end's month)")]
PeriodTo = Annotated[Date | None, Query(description="period end (default: the as-of date)")]
OFFICER_CSV = [*rollups.OFFICER_COLUMNS, *rollups.METRICS, "risk_band"]


def _dates(r: rollups.Rollup) -> dict[str, Any]:
    return {"as_of": r.as_of, "period": {"start": r.period_start, "end": r.period_end}}


def officer_filters(
    branch: Many = None, region: Many = None, supervisor: Emails = None,
    vertical_lead: Emails = None, wave: Many = None, product: Many = None,
    risk_band: Annotated[list[Band] | None, Query(max_length=4)] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=100,
                                   description="part of the officer id, name or email")] = None,
) -> rollups.OfficerFilters:
    """The officers list's filters (GET /officers, and the web UI's Officers page: the same
    names, so a page's query string is its CSV link's)."""
    return rollups.OfficerFilters(
        branch=tuple(branch or ()), region=tuple(region or ()),
        supervisor=tuple(supervisor or ()), vertical_lead=tuple(vertical_lead or ()),
        q=q, wave=tuple(wave or ()), product=tuple(product or ()),
        risk_band=tuple(risk_band or ()))


OfficerFiltersQ = Annotated[rollups.OfficerFilters, Depends(officer_filters)]


@router.get("/officers", response_model=Envelope, summary="Officers with their metrics")
def list_officers(
    conn: Conn, page: PageQ, filters: OfficerFiltersQ, user: Principal = READ,
    as_of: AsOf = None, period_from: PeriodFrom = None, period_to: PeriodTo = None,
    sort: OfficerSort = OfficerSort("name"),
    order: Order = "asc", fmt: Format = "json",
) -> Any:
    """One row per officer in the caller's scope with loans: the officer's attributes, the
    metrics of their loans and their risk band. `format=csv` gives every row."""
    r = rollups.officer_rollup(conn, replace(filters, scope=user.scope.officer_ids),
                               as_of=as_of, period_start=period_from, period_end=period_to,
                               sort=sort.value, order=order)
    if fmt == "csv":
        return rows_csv(OFFICER_CSV, r.items, "officers")
    items = r.items[page.offset:page.offset + page.limit]
    return ok({"items": items, **page.meta(len(r.items)), "sort": sort.value, "order": order,
               **_dates(r)}, counted(len(r.items), "officer"))


@router.get("/officers/{officer_id}", response_model=Envelope,
            summary="One officer with their metrics")
def get_officer(officer_id: str, conn: Conn, user: Principal = READ, as_of: AsOf = None,
                period_from: PeriodFrom = None, period_to: PeriodTo = None) -> Any:
    """The officer's attributes, the metrics of their loans and their risk band."""
    r = rollups.officer_detail(conn, officer_id, user.scope.officer_ids, as_of=as_of,
                               period_start=period_from, period_end=period_to)
    return ok({**r.total, **_dates(r)}, f"officer {officer_id}")


@router.get("/officers/{officer_id}/top-risk-loans", response_model=Envelope,
            summary="An officer's riskiest loans")
def officer_top_risk_loans(officer_id: str, conn: Conn, request: Request,
                           user: Principal = READ,
                           limit: Annotated[int, Query(ge=1, le=100)] = 10) -> Any:
    """The officer's loans on the books, most days past due first, then the largest principal
    outstanding (the stored fields)."""
    items = rollups.top_risk_loans(conn, officer_id, user.scope.officer_ids, limit,
                                   request.app.state.settings.today())
    return ok({"officer_id": officer_id, "items": items, "total": len(items)},
              f"{len(items)} loans")


def _groups(conn: Conn, user: Principal, group_by: str, wave: list[str] | None,
            product: list[str] | None, region: list[str] | None, as_of: Date | None,
            period_from: Date | None, period_to: Date | None, sort: Any, order: str,
            fmt: str, name: str) -> Any:
    filters = PortfolioFilters(wave=tuple(wave or ()), product=tuple(product or ()),
                               region=tuple(region or ()), scope=user.scope.officer_ids)
    r = rollups.group_rollup(conn, group_by, filters, as_of=as_of, period_start=period_from,
                             period_end=period_to, sort=sort.value, order=order)
    if fmt == "csv":
        return rows_csv(list(r.total), r.items, name)
    return ok({"items": r.items, "total": r.total, "count": len(r.items), "sort": sort.value,
               "order": order, **_dates(r)},
              counted(len(r.items), *GROUP_NOUNS[group_by]))


@router.get("/branches", response_model=Envelope, summary="Branches with their metrics")
def list_branches(conn: Conn, user: Principal = READ, wave: Many = None, product: Many = None,
                  region: Many = None, as_of: AsOf = None, period_from: PeriodFrom = None,
                  period_to: PeriodTo = None,
                  sort: GroupSort = GroupSort("name"),
                  order: Order = "asc", fmt: Format = "json") -> Any:
    """The metrics of the caller's loans per branch (the loan's branch), with officer counts
    and the risk band; `total` over them all."""
    return _groups(conn, user, "branch", wave, product, region, as_of, period_from,
                   period_to, sort, order, fmt, "branches")


@router.get("/vertical-leads", response_model=Envelope,
            summary="Vertical leads with their metrics")
def list_vertical_leads(conn: Conn, user: Principal = READ, wave: Many = None,
                        product: Many = None, region: Many = None, as_of: AsOf = None,
                        period_from: PeriodFrom = None, period_to: PeriodTo = None,
                        sort: GroupSort = GroupSort("name"),
                        order: Order = "asc", fmt: Format = "json") -> Any:
    """The metrics of the caller's loans per vertical lead (by email), with officer counts
    and the risk band; `total` over them all."""
    return _groups(conn, user, "vertical_lead", wave, product, region, as_of, period_from,
                   period_to, sort, order, fmt, "vertical-leads")


@router.get("/collections", response_model=Envelope,
            summary="Amount due vs collected, per day, branch or officer")
def list_collections(
    conn: Conn, request: Request, user: Principal = READ,
    date_from: Annotated[Date | None, Query(description="default: the first day of "
                                                           "date_to's month")] = None,
    date_to: Annotated[Date | None, Query(description="default: today")] = None,
    group_by: Literal["day", "branch", "officer"] = "day",
    branch: Many = None, officer_id: Many = None, region: Many = None, wave: Many = None,
    product: Many = None,
    supervisor: Annotated[list[str] | None, Query(description="email (repeatable)")] = None,
    vertical_lead: Annotated[list[str] | None, Query(description="email (repeatable)")] = None,
    fmt: Format = "json",
) -> Any:
    """Installments falling due in the period vs non-reversed repayments dated in it, with
    collection_rate = 100 × collected / due (null when nothing fell due), and the totals."""
    start, end = collection_period(date_from, date_to, request.app.state.settings.today())
    filters = PortfolioFilters(branch=tuple(branch or ()), officer=tuple(officer_id or ()),
                               region=tuple(region or ()), wave=tuple(wave or ()),
                               product=tuple(product or ()),
                               supervisor=tuple(supervisor or ()),
                               vertical_lead=tuple(vertical_lead or ()),
                               scope=user.scope.officer_ids)
    c = collections(conn, filters, date_from=start, date_to=end, group_by=group_by)
    if fmt == "csv":
        return rows_csv(c.columns, c.items, f"collections-{start}-{end}")
    return ok({"period": {"start": start, "end": end, "days": (end - start).days + 1},
               "group_by": group_by, "total": c.total, "items": c.items},
              f"collections {start}..{end}")
