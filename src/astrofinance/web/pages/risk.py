"""The FIMR and early-indicator drill-downs: a summary (the rate and its counts; FIMR by
disbursement cohort; per group) from the portfolio metrics, and the tagged loans from the loans
list with the tag fixed as the API's /fimr/loans and /early-indicators/loans fix it, so that
the list holds exactly the loans the summary counts (api/routers/risk.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request

from astrofinance.api.deps import Conn, PageQ
from astrofinance.api.query import GroupBy, LoanFiltersQ, LoanSort, Order, scoped
from astrofinance.api.routers.loans import loans_page
from astrofinance.api.routers.metrics import report
from astrofinance.api.routers.risk import EARLY_PARTS, FIMR_PARTS
from astrofinance.auth.tokens import Principal
from astrofinance.errors import Conflict
from astrofinance.metrics.portfolio import PortfolioFilters
from astrofinance.web.auth import needs
from astrofinance.web.pages.common import PortfolioQ, filter_options, scoped_portfolio
from astrofinance.web.pages.loans import COLUMNS as LOAN_COLUMNS
from astrofinance.web.pages.loans import SORTABLE
from astrofinance.web.render import page, query_with

router = APIRouter()
READ = needs("metrics.read")
DPD = LoanSort.current_dpd  # type: ignore[attr-defined]

LIST_KEYS = ("loan_id", "customer_name", "officer_name", "branch", "wave", "status",
             "loan_amount", "disbursement_date", "first_payment_due_date",
             "principal_outstanding", "current_dpd", "max_dpd_ever", "installments_in_arrears",
             "days_since_last_repayment")
COLUMNS = tuple(c for c in LOAN_COLUMNS if c[0] in LIST_KEYS)
"""The drill-downs' table: All Loans' columns (labels and kinds) that matter for a late loan."""

SUMMARY_PARAMS = ("branch", "region", "officer_id", "supervisor", "vertical_lead", "wave",
                  "product", "disbursed_from", "disbursed_to")
"""The query parameters the summary honours (the portfolio filters); the others narrow only
the list."""
LIST_ONLY = ("q", "status", "channel", "dpd_min", "dpd_max")

GROUPS: dict[str, tuple[str, str]] = {
    "branch": ("Branch", "branch"), "region": ("Region", "region"),
    "officer": ("Officer", "officer_id"), "supervisor": ("Supervisor", "supervisor"),
    "vertical_lead": ("Vertical lead", "vertical_lead"), "wave": ("Wave", "wave"),
    "product": ("Product", "product"),
}
"""group_by -> (its label, the filter parameter that selects one group's loans)."""


@dataclass(frozen=True)
class Drill:
    """One drill-down: its page, the API routes of its CSVs and how the list is fixed."""

    kind: str
    path: str
    title: str
    api: str
    fixed: dict[str, bool]
    parts: frozenset[str]
    """The portfolio metrics' passes the summary reads (the API summary's)."""

    def summary_rows(self, r: Any, labels: dict[str, str]) -> tuple[dict, list[dict]]:
        """The total and the groups' rows, by the groups' names (officers by name, not id)."""
        groups = [self._row(g, labels.get(g.group, g.group)) for g in r.groups]
        groups.sort(key=lambda g: (g["group"] is None, (g["label"] or "").lower()))
        return self._row(r.total, None), groups

    def _row(self, k: Any, label: str | None) -> dict[str, Any]:
        if self.kind == "fimr":
            return {"group": k.group, "label": label, "base": k.fimr_eligible,
                    "tagged": k.fimr_tagged, "rate": k.fimr_rate}
        return {"group": k.group, "label": label, "base": k.loans_on_books,
                "tagged": k.early_indicator_count, "rate": k.early_indicator_rate}


FIMR = Drill("fimr", "/fimr", "FIMR", "/api/v1/fimr",
             {"fimr_tagged": True, "fimr_counted": True}, FIMR_PARTS)
EARLY = Drill("ei", "/early-indicators", "Early indicators", "/api/v1/early-indicators",
              {"early_indicator_tagged": True, "on_books": True}, EARLY_PARTS)


@router.get("/fimr")
def fimr(request: Request, conn: Conn, filters: LoanFiltersQ, portfolio: PortfolioQ,
         page_q: PageQ, user=READ, sort: LoanSort = DPD, order: Order = "desc",
         group_by: GroupBy | None = None) -> Any:
    return _drill(FIMR, request, conn, user, filters, portfolio, page_q, sort.value, order,
                  group_by)


@router.get("/early-indicators")
def early_indicators(request: Request, conn: Conn, filters: LoanFiltersQ,
                     portfolio: PortfolioQ, page_q: PageQ, user=READ, sort: LoanSort = DPD,
                     order: Order = "desc", group_by: GroupBy | None = None) -> Any:
    return _drill(EARLY, request, conn, user, filters, portfolio, page_q, sort.value, order,
                  group_by)


def _drill(drill: Drill, request: Request, conn: Conn, user: Principal, filters: Any,
           portfolio: PortfolioFilters, page_q: Any, sort: str, order: str,
           group_by: GroupBy | None) -> Any:
    options = filter_options(request, conn, user)
    group = group_by.value if group_by else None
    context: dict[str, Any] = {
        "drill": drill, "options": options, "group_by": group, "groups": GROUPS, "month": month,
        "columns": COLUMNS, "sortable": SORTABLE, "sort": sort, "order": order,
        "narrowed": [k for k in LIST_ONLY if k in request.query_params],
        "csv_url": f"{drill.api}/loans?"
                   + query_with(request, page=None, limit=None, group_by=None, format="csv"),
        "summary_csv_url": f"{drill.api}/summary?" + _summary_query(request, "csv"),
    }
    try:
        r = _summary(drill, request, conn, user, portfolio, group_by)
    except Conflict as exc:       # no loan fields computed yet: say so, with what to do
        return page(request, "risk.html", user, title=drill.title, empty=str(exc), **context)
    total, rows = drill.summary_rows(r, _labels(options, group))
    data = loans_page(request, conn, scoped(filters, user, **drill.fixed), page_q, sort, order)
    return page(request, "risk.html", user, title=drill.title, report=r, total=total,
                rows=rows, data=data, chart=_cohort_chart(r) if drill.kind == "fimr" else None,
                **context)


def _summary(drill: Drill, request: Request, conn: Conn, user: Principal,
             portfolio: PortfolioFilters, group_by: GroupBy | None) -> Any:
    """report() (the API's summaries' portfolio metrics over the caller's scope, the
    drill-down's part only, as its API summary reads it), cached while the data is
    unchanged."""
    key = ("web.risk", drill.kind, scoped_portfolio(portfolio, user), group_by,
           request.app.state.settings.today())
    return request.app.state.cache.get(conn, key, lambda c: report(
        c, user, portfolio, None, group_by, parts=drill.parts))


def _summary_query(request: Request, fmt: str) -> str:
    keep = (*SUMMARY_PARAMS, "group_by")
    items = [(k, v) for k, v in request.query_params.multi_items() if k in keep]
    return urlencode([*items, ("format", fmt)])


def _labels(options: dict[str, Any], group: str | None) -> dict[str, str]:
    """A group's name for its key: officers, supervisors and vertical leads by name."""
    pairs = {"officer": "officers", "supervisor": "supervisors",
             "vertical_lead": "vertical_leads"}.get(group or "")
    return {k: v for k, v in options[pairs]} if pairs else {}


def _cohort_chart(r: Any) -> dict[str, Any]:
    cohorts = r.total.cohorts
    return {"type": "bar", "data": {
        "labels": [month(c.cohort) for c in cohorts],
        "datasets": [{"label": "FIMR rate %",
                      "data": [None if c.rate is None else float(c.rate) for c in cohorts]}]},
        "options": {"plugins": {"legend": {"display": False}}}}


def month(cohort: str | None) -> str:
    """A disbursement cohort (YYYY-MM) as the UI writes a month: Mar 2026."""
    if not cohort:
        return "—"
    return dt.date.fromisoformat(f"{cohort}-01").strftime("%b %Y")

