"""Rollups of the portfolio metrics per officer, branch and vertical lead, with a risk band;
each officer's riskiest loans.

Every number comes from `portfolio_metrics` grouped by officer, branch or vertical lead (one
implementation of each metric); this module joins the officers' attributes, counts officers,
applies the risk band rule and sorts. Filters and sort keys come from the whitelists below;
every value is a bound parameter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, text

from astrofinance.errors import NotFound, ValidationFailed
from astrofinance.kit.sql import check_sort, contains_pattern, load_sql
from astrofinance.metrics.portfolio import (
    GROUP_KEYS,
    ON_BOOKS_SQL,
    PortfolioFilters,
    cube_ready,
    load_grouped_sql,
    portfolio_metrics,
)
from astrofinance.metrics.portfolio_result import Kpis, PortfolioReport

_PKG = "astrofinance.metrics"

# The risk band (docs/api.md, "The risk band"): "high" when PAR30 > 10 % or the FIMR rate > 25 %;
# "watch" when PAR30 > 5 %, the FIMR rate > 10 % or the early-indicator rate > 15 %; else
# "low". None (no band) when nothing is on the books. A rate that cannot be worked out (no
# loan it applies to) exceeds no threshold.
HIGH_PAR30 = Decimal("10")
HIGH_FIMR_RATE = Decimal("25")
WATCH_PAR30 = Decimal("5")
WATCH_FIMR_RATE = Decimal("10")
WATCH_EARLY_INDICATOR_RATE = Decimal("15")
RISK_BANDS = ("high", "watch", "low")
NO_BAND = "none"
"""The risk_band filter's name for "no band" (no loans on the books)."""

PAR_DAYS = [30]
METRICS = ("loans_on_books", "gross_loan_portfolio", "par30", "fimr_rate",
           "early_indicator_rate", "due_in_period", "repaid_in_period", "collection_rate",
           "avg_dpd")
"""The metric columns of every rollup row (then risk_band)."""

OFFICER_COLUMNS = ("officer_id", "name", "email", "branch", "region", "supervisor_name",
                   "supervisor_email", "vertical_lead_name", "vertical_lead_email", "status")
OFFICER_SORTS = ("name", "officer_id", *METRICS)
GROUP_SORTS = ("name", "officers", "officers_with_loans_on_books", *METRICS)
"""sort= names (the whitelists); rows are sorted by these keys, nulls last."""

_OFFICER_FILTERS: dict[str, str] = {
    "branch": "o.branch = ANY(:branch)",
    "region": "o.region = ANY(:region)",
    "supervisor": "lower(o.supervisor_email) = ANY(:supervisor)",
    "vertical_lead": "lower(o.vertical_lead_email) = ANY(:vertical_lead)",
    "officer_id": "o.officer_id = :officer_id",
    "q": "(o.officer_id ILIKE :q ESCAPE '\\' OR o.name ILIKE :q ESCAPE '\\' "
         "OR o.email ILIKE :q ESCAPE '\\')",
    "scope": "o.officer_id = ANY(:scope)",
}

GROUP_LABELS: dict[str, tuple[str, str, str]] = {
    "branch": ("branch", "region", "b.region"),
    "vertical_lead": ("vertical_lead_email", "vertical_lead_name", "b.vertical_lead_name"),
}
"""Rollups by group: group_by -> (the group's column, the label column, the label's SQL over
loans `b`). sort=name sorts by the group's column."""


def risk_band(k: Kpis) -> str | None:
    """The risk band of one officer (or branch, or lead): high, watch, low; None with no loans
    on the books."""
    if not k.loans_on_books:
        return None
    par30, fimr, early = k.par(30), k.fimr_rate, k.early_indicator_rate
    if _over(par30, HIGH_PAR30) or _over(fimr, HIGH_FIMR_RATE):
        return "high"
    if (_over(par30, WATCH_PAR30) or _over(fimr, WATCH_FIMR_RATE)
            or _over(early, WATCH_EARLY_INDICATOR_RATE)):
        return "watch"
    return "low"


def _over(rate: Decimal | None, threshold: Decimal) -> bool:
    return rate is not None and rate > threshold


ROLLUP_PARTS = frozenset({"book", "fimr", "collections"})
"""The portfolio metrics' passes metric_row reads (no disbursements or write-offs)."""


def metric_row(k: Kpis) -> dict[str, Any]:
    """The rollup metrics of one scope, and its risk band."""
    return {"loans_on_books": k.loans_on_books, "gross_loan_portfolio": k.gross_loan_portfolio,
            "par30": k.par(30), "fimr_rate": k.fimr_rate,
            "early_indicator_rate": k.early_indicator_rate, "due_in_period": k.due_in_period,
            "repaid_in_period": k.repaid_in_period, "collection_rate": k.collection_rate,
            "avg_dpd": k.avg_dpd, "risk_band": risk_band(k)}


@dataclass(frozen=True)
class OfficerFilters:
    """Which officers: by their own attributes (officers table; emails case-insensitive), a
    substring of id, name or email (q), and their risk band; wave and product select loans."""

    branch: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    supervisor: tuple[str, ...] = ()
    vertical_lead: tuple[str, ...] = ()
    officer_id: str | None = None
    q: str | None = None
    wave: tuple[str, ...] = ()
    product: tuple[str, ...] = ()
    risk_band: tuple[str, ...] = ()
    scope: tuple[str, ...] | None = None

    def sql(self) -> tuple[str, dict[str, Any]]:
        """The AND clauses over `officers o` and their bound values."""
        params: dict[str, Any] = {}
        for name in _OFFICER_FILTERS:
            value = getattr(self, name)
            if value is None or (value == () and name != "scope"):
                continue
            if name in ("supervisor", "vertical_lead"):
                value = [v.strip().lower() for v in value]
            elif name == "q":
                value = contains_pattern(value.strip())
            params[name] = list(value) if isinstance(value, tuple) else value
        return "".join(f"\n  AND {_OFFICER_FILTERS[n]}" for n in params), params

    @property
    def narrows_officers(self) -> bool:
        return bool(self.sql()[1])


@dataclass
class Rollup:
    """Rows of a rollup (sorted), the total's metrics, and the report's dates."""

    as_of: dt.date
    period_start: dt.date
    period_end: dt.date
    items: list[dict[str, Any]]
    total: dict[str, Any]


def officer_rollup(conn: Connection, filters: OfficerFilters, *, as_of: dt.date | None = None,
                   period_start: dt.date | None = None, period_end: dt.date | None = None,
                   sort: str = "name", order: str = "asc") -> Rollup:
    """One row per officer with loans (matching the filters): attributes and metrics."""
    check_sort(sort, order, OFFICER_SORTS)
    unknown = set(filters.risk_band) - {*RISK_BANDS, NO_BAND}
    if unknown:
        raise ValidationFailed(f"unknown risk band {sorted(unknown)[0]!r}: use one of "
                               f"{', '.join((*RISK_BANDS, NO_BAND))}")
    where, params = filters.sql()
    officers = {r["officer_id"]: dict(r) for r in conn.execute(
        text(load_sql(_PKG, "rollup_officers").replace("{where}", where)), params).mappings()}
    scope = tuple(officers) if filters.narrows_officers else None
    report = _report(conn, "officer", PortfolioFilters(wave=filters.wave,
                                                       product=filters.product, scope=scope),
                     as_of, period_start, period_end)
    rows = [{**officers[str(g.group)], **metric_row(g)} for g in report.groups
            if g.group in officers]
    bands = {None if b == NO_BAND else b for b in filters.risk_band}
    rows = [r for r in rows if not bands or r["risk_band"] in bands]
    return Rollup(report.as_of, report.period_start, report.period_end,
                  sort_rows(rows, sort, order, "officer_id"), metric_row(report.total))


def officer_detail(conn: Connection, officer_id: str, scope: tuple[str, ...] | None, *,
                   as_of: dt.date | None = None, period_start: dt.date | None = None,
                   period_end: dt.date | None = None) -> Rollup:
    """One officer with the rollup's metrics; NotFound when unknown or outside the scope."""
    officer = _officer(conn, officer_id, scope)
    report = _report(conn, None, PortfolioFilters(scope=(officer_id,)), as_of, period_start,
                     period_end)
    item = {**officer, **metric_row(report.total)}
    return Rollup(report.as_of, report.period_start, report.period_end, [item], item)


def top_risk_loans(conn: Connection, officer_id: str, scope: tuple[str, ...] | None,
                   limit: int, today: dt.date) -> list[dict[str, Any]]:
    """The officer's loans on the books by current_dpd, then principal outstanding, both
    descending; NotFound when the officer is unknown or outside the scope."""
    from astrofinance.auth.scope import Scope

    _officer(conn, officer_id, scope)
    clause, params = Scope(scope).sql("b.officer_id")
    sql = load_sql(_PKG, "rollup_top_risk_loans").replace("{scope}", clause)
    rows = conn.execute(text(sql), {**params, "officer_id": officer_id, "limit": limit,
                                    "today": today}).mappings()
    return [dict(r) for r in rows]


def _officer(conn: Connection, officer_id: str, scope: tuple[str, ...] | None) -> dict[str, Any]:
    where, params = OfficerFilters(officer_id=officer_id, scope=scope).sql()
    row = conn.execute(text(load_sql(_PKG, "rollup_officers").replace("{where}", where)),
                       params).mappings().first()
    if row is None:
        raise NotFound(f"no officer {officer_id!r}")
    return dict(row)


def group_rollup(conn: Connection, group_by: str, filters: PortfolioFilters, *,
                 as_of: dt.date | None = None, period_start: dt.date | None = None,
                 period_end: dt.date | None = None, sort: str = "name",
                 order: str = "asc") -> Rollup:
    """The rollup metrics per branch or vertical lead (GROUP_LABELS), with officer counts."""
    if group_by not in GROUP_LABELS:
        raise ValidationFailed(f"cannot roll up by {group_by!r}")
    check_sort(sort, order, GROUP_SORTS)
    report = _report(conn, group_by, filters, as_of, period_start, period_end)
    key_name, label_name, label_sql = GROUP_LABELS[group_by]
    clauses, params = filters.sql()
    cube = report.fields_source == "stored" and cube_ready(conn, filters)
    sql = (load_grouped_sql("rollup_officer_counts", cube)
           .replace("{group_key}", GROUP_KEYS[group_by])
           .replace("{label}", label_sql).replace("{on_books}", ON_BOOKS_SQL)
           .replace("{filters}", clauses))
    counts = {(r.is_total, r.grp): r for r in conn.execute(
        text(sql), {**params, "as_of": report.as_of}).all()}

    def row(k: Kpis, is_total: bool) -> dict[str, Any]:
        c = counts.get((is_total, None if is_total else k.group))
        return {key_name: k.group, label_name: c.label if c else None,
                "officers": c.officers if c else 0,
                "officers_with_loans_on_books": c.officers_with_loans_on_books if c else 0,
                **metric_row(k)}

    items = sort_rows([row(g, False) for g in report.groups],
                      key_name if sort == "name" else sort, order, key_name)
    return Rollup(report.as_of, report.period_start, report.period_end, items,
                  row(report.total, True))


def _report(conn: Connection, group_by: str | None, filters: PortfolioFilters,
            as_of: dt.date | None, start: dt.date | None,
            end: dt.date | None) -> PortfolioReport:
    return portfolio_metrics(conn, as_of=as_of, filters=filters, group_by=group_by,
                             period_start=start, period_end=end, par_days=PAR_DAYS,
                             parts=ROLLUP_PARTS,
                             cohorts=False,       # the rows show rates, not cohorts
                             cbn_classes=False)   # nor the CBN classes


def sort_rows(rows: list[dict[str, Any]], sort: str, order: str,
              tie: str) -> list[dict[str, Any]]:
    """Rows by `sort` (strings case-insensitively), ties by `tie` ascending, nulls last."""
    def key(value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    present = sorted((r for r in rows if r[sort] is not None), key=lambda r: key(r[tie]) or "")
    present.sort(key=lambda r: key(r[sort]), reverse=order == "desc")
    return present + sorted((r for r in rows if r[sort] is None),
                            key=lambda r: key(r[tie]) or "")
