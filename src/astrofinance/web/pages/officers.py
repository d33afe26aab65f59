"""Officers: the performance table (the API's /officers: every filter and sort, paged, with the
totals and CSV) and an officer's page (attributes, metrics, PAR30 and GLP over the last 90
days from the daily snapshots, the riskiest loans, a link to their loans)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import text

from astrofinance.api.deps import Conn, PageQ
from astrofinance.api.query import Order
from astrofinance.api.routers.officers import (
    OfficerFiltersQ,
    OfficerSort,
    PeriodFrom,
    PeriodTo,
)
from astrofinance.kit.sql import load_sql
from astrofinance.metrics import officers as rollups
from astrofinance.metrics.portfolio import PortfolioFilters
from astrofinance.metrics.snapshots import trend
from astrofinance.portfolio.loan_list import LoanFilters, summary
from astrofinance.web.auth import needs
from astrofinance.web.pages.rollups import METRIC_COLUMNS, table_context
from astrofinance.web.render import page, short_day

router = APIRouter()
READ = needs("metrics.read")
TREND_DAYS = 90
TOP_RISK_LOANS = 10
BANDS = (("high", "high"), ("watch", "watch"), ("low", "low"),
         (rollups.NO_BAND, "no loans on the books"))


@router.get("/officers")
def officers(request: Request, conn: Conn, filters: OfficerFiltersQ, page_q: PageQ,
             user=READ, period_from: PeriodFrom = None, period_to: PeriodTo = None,
             sort: OfficerSort = OfficerSort("name"), order: Order = "asc") -> Any:
    filters = replace(filters, scope=user.scope.officer_ids)
    key = ("web.officers", filters, period_from, period_to, sort.value, order,
           request.app.state.settings.today())
    r = request.app.state.cache.get(conn, key, lambda c: rollups.officer_rollup(
        c, filters, period_start=period_from, period_end=period_to, sort=sort.value,
        order=order))
    rows = r.items[page_q.offset:page_q.offset + page_q.limit]
    return page(request, "officers.html", user, title="Officers", r=r, rows=rows,
                meta=page_q.meta(len(r.items)), sort=sort.value, order=order,
                sortable=rollups.OFFICER_SORTS, bands=BANDS,
                **table_context(request, conn, user, "/api/v1/officers"))


@router.get("/officers/{officer_id}")
def officer(request: Request, officer_id: str, conn: Conn, user=READ,
            period_from: PeriodFrom = None, period_to: PeriodTo = None) -> Any:
    scope = user.scope.officer_ids
    today = request.app.state.settings.today()

    def compute(c: Any) -> tuple[Any, list[dict[str, Any]], list[dict[str, Any]]]:
        r = rollups.officer_detail(c, officer_id, scope, period_start=period_from,
                                   period_end=period_to)          # 404 outside the scope
        days = trend(c, PortfolioFilters(officer=(officer_id,), scope=scope),
                     r.as_of - dt.timedelta(days=TREND_DAYS - 1), r.as_of)
        return r, days, rollups.top_risk_loans(c, officer_id, scope, TOP_RISK_LOANS, today)

    r, days, top_risk = request.app.state.cache.get(
        conn, ("web.officer", officer_id, scope, period_from, period_to, today), compute)
    loans = LoanFilters(officer_id=(officer_id,), scope=scope)
    all_loans = request.app.state.cache.get(
        conn, ("loans.summary", loans, tuple(request.app.state.settings.par_days)),
        lambda c: summary(c, loans, request.app.state.settings.par_days))
    contact = conn.execute(text(load_sql("astrofinance.web", "officer_contact")),
                           {"officer_id": officer_id}).mappings().one()
    return page(request, "officer.html", user, title=r.total["name"] or officer_id, r=r,
                o=r.total, contact=contact, trend=days, chart=trend_chart(days),
                trend_days=TREND_DAYS, metric_columns=METRIC_COLUMNS,
                top_risk=top_risk, loans_count=all_loans["loans"])


def trend_chart(days: list[dict[str, Any]]) -> dict[str, Any]:
    """A Chart.js line chart of PAR30 (%, left axis) and GLP (₦, right axis) per day."""
    def values(key: str) -> list[float | None]:
        return [None if d[key] is None else round(float(d[key]), 2) for d in days]

    def axis(title: str, position: str) -> dict[str, Any]:
        return {"position": position, "title": {"display": True, "text": title},
                **({"grid": {"drawOnChartArea": False}} if position == "right" else {})}

    return {"type": "line",
            "data": {"labels": [short_day(d["as_of"]) for d in days],
                     "datasets": [{"label": "PAR30 %", "data": values("par30_rate"),
                                   "yAxisID": "par"},
                                  {"label": "GLP (₦)", "data": values("gross_loan_portfolio"),
                                   "yAxisID": "glp"}]},
            "options": {"scales": {"par": axis("PAR30 %", "left"),
                                   "glp": axis("GLP ₦", "right")}}}
