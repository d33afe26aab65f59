"""The overview: the KPI strip, PAR30 and GLP over time (the daily snapshots), the CBN DPD
classes, collections per day (due vs collected) and Wave 1 vs Wave 2, for the filters in the
URL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request

from astrofinance.api.deps import Conn
from astrofinance.db.versions import read_counter
from astrofinance.errors import Conflict
from astrofinance.metrics.collections import MAX_DAYS, collections
from astrofinance.metrics.portfolio import PARTS, PortfolioFilters, portfolio_metrics
from astrofinance.metrics.portfolio_result import pct
from astrofinance.web.auth import needs
from astrofinance.web.pages.common import (
    PeriodQ,
    PortfolioQ,
    filter_options,
    scoped_portfolio,
    week_start,
)
from astrofinance.web.render import page, short_day

router = APIRouter()
READ = needs("metrics.read")
TREND_DAYS = 90


def overview_data(conn: Any, filters: PortfolioFilters, period: Any) -> dict[str, Any]:
    """Everything the overview shows, for the (scoped) filters and the period."""
    report = portfolio_metrics(conn, filters=filters, group_by="wave",
                               period_start=period.start, period_end=period.end,
                               # collections per day below instead; no write-off ratio
                               parts=PARTS - {"collections", "write_off_ratio"},
                               cohorts=False)     # the rates only
    today = period.today
    first = min(period.start, week_start(today), today.replace(day=1))
    last = max(period.end, today)
    first = max(first, last - dt.timedelta(days=MAX_DAYS - 1))
    daily = collections(conn, filters, date_from=first, date_to=last).items
    return {"report": report, "rates": _collection_rates(daily, today),
            "collections": [d for d in daily if period.start <= d["date"] <= period.end]}


def _collection_rates(daily: list[dict[str, Any]], today: dt.date) -> dict[str, Any]:
    """Collection rate today, this week (from Monday) and this month, to today."""
    out = {}
    for name, start in (("today", today), ("week", week_start(today)),
                        ("month", today.replace(day=1))):
        days = [d for d in daily if start <= d["date"] <= today]
        due = sum((d["due"] for d in days), Decimal(0))
        collected = sum((d["collected"] for d in days), Decimal(0))
        out[name] = {"due": due, "collected": collected, "rate": pct(collected, due)}
    return out


def overview_trend(request: Request, conn: Any, filters: PortfolioFilters,
                   end: dt.date) -> list[dict[str, Any]]:
    """PAR30 and GLP over the TREND_DAYS to `end`, from the stored snapshots: kept in the
    cache until a snapshot changes (snapshots_version), not only until the book does, as a
    payment changes no stored snapshot."""
    from astrofinance.metrics.snapshots import trend

    cache = request.app.state.cache
    return cache.get(
        conn, ("web.trend", filters, end),
        lambda c: trend(c, filters, end - dt.timedelta(days=TREND_DAYS - 1), end),
        read_counter(conn, "snapshots_version") if cache.seconds > 0 else None)


def charts(data: dict[str, Any]) -> dict[str, Any]:
    """Chart.js specifications of the overview's charts."""
    report, trend = data["report"], data["trend"]
    waves = [g for g in report.groups if g.group]
    return {
        "trend": {"type": "line", "data": {
            "labels": [short_day(r["as_of"]) for r in trend],
            "datasets": [
                {"label": "PAR30 %", "data": [_f(r["par30_rate"]) for r in trend], "yAxisID": "y"},
                {"label": "GLP (₦)", "data": [_f(r["gross_loan_portfolio"]) for r in trend],
                 "yAxisID": "y1"}]},
            "options": {"scales": {"y": {"position": "left", "title": {
                "display": True, "text": "PAR30 %"}}, "y1": {
                "position": "right", "grid": {"drawOnChartArea": False},
                "title": {"display": True, "text": "GLP ₦"}}}}},
        "cbn": {"type": "bar", "data": {
            "labels": [b.cbn.label for b in report.total.buckets],
            "datasets": [{"label": "Principal outstanding (₦)",
                          "data": [_f(b.principal_outstanding) for b in report.total.buckets]}]},
            "options": {"plugins": {"legend": {"display": False}}}},
        "collections": {"type": "bar", "data": {
            "labels": [short_day(d["date"]) for d in data["collections"]],
            "datasets": [{"label": "Due (₦)", "data": [_f(d["due"]) for d in data["collections"]]},
                         {"label": "Collected (₦)",
                          "data": [_f(d["collected"]) for d in data["collections"]]}]}},
        "waves": {"type": "bar", "data": {
            "labels": ["GLP (₦ millions)", "PAR30 %", "FIMR %", "Early indicators %"],
            "datasets": [{"label": g.group, "data": [
                _f(g.gross_loan_portfolio / Decimal(1_000_000)), _f(g.par(30)),
                _f(g.fimr_rate), _f(g.early_indicator_rate)]} for g in waves]}},
    }


def _f(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)


@router.get("/")
def overview(request: Request, conn: Conn, filters: PortfolioQ, period: PeriodQ,
             user=READ) -> Any:
    filters = scoped_portfolio(filters, user)
    options = filter_options(request, conn, user)
    key = ("web.overview", filters, period.start, period.end, period.today)
    try:
        data = request.app.state.cache.get(conn, key,
                                           lambda c: overview_data(c, filters, period))
    except Conflict as exc:        # no loan fields computed yet: say so, with what to do
        return page(request, "overview.html", user, title="Overview", empty=str(exc),
                    period=period, options=options)
    data = {**data, "trend": overview_trend(request, conn, filters, period.end)}
    return page(request, "overview.html", user, title="Overview", data=data,
                k=data["report"].total, report=data["report"], charts=charts(data),
                period=period, options=options)
