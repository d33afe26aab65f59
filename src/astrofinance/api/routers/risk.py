"""The FIMR and early-indicator drill-downs: the tagged loans (the loans list with the tag
fixed) and summaries from the portfolio metrics (one implementation of each rate)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from astrofinance.api.csv import rows_csv
from astrofinance.api.deps import Conn, PageQ, allow
from astrofinance.api.envelope import ERROR_RESPONSES, Envelope, ok
from astrofinance.api.query import Format, GroupBy, LoanFiltersQ, LoanSort, Order, scoped
from astrofinance.api.routers.loans import loans_answer
from astrofinance.api.routers.metrics import AsOf, PortfolioFiltersQ, report
from astrofinance.auth.tokens import Principal

router = APIRouter(tags=["risk"], responses=ERROR_RESPONSES)
READ = allow("metrics.read")
DPD = LoanSort.current_dpd  # type: ignore[attr-defined]
FIMR_PARTS = frozenset({"fimr"})
EARLY_PARTS = frozenset({"book"})
"""The passes of the portfolio metrics each summary reads (its counts and rate only)."""


@router.get("/fimr/loans", response_model=Envelope, summary="Loans that missed their first "
                                                            "installment (FIMR)")
def fimr_loans(request: Request, conn: Conn, filters: LoanFiltersQ, page: PageQ,
               user: Principal = READ, sort: LoanSort = DPD, order: Order = "desc",
               fmt: Format = "json") -> Any:
    """The loans /fimr/summary counts as tagged (disbursed, first installment past due and
    missed), with every filter of the loans list."""
    return loans_answer(request, conn, user,
                        scoped(filters, user, fimr_tagged=True, fimr_counted=True), page,
                        sort, order, fmt, "fimr-loans")


@router.get("/early-indicators/loans", response_model=Envelope,
            summary="Loans 1 to 6 days past due (early indicators)")
def early_indicator_loans(request: Request, conn: Conn, filters: LoanFiltersQ, page: PageQ,
                          user: Principal = READ, sort: LoanSort = DPD, order: Order = "desc",
                          fmt: Format = "json") -> Any:
    """The loans /early-indicators/summary counts (on the books, 1 to 6 days past due), with
    every filter of the loans list."""
    return loans_answer(request, conn, user,
                        scoped(filters, user, early_indicator_tagged=True, on_books=True), page,
                        sort, order, fmt, "early-indicator-loans")


@router.get("/fimr/summary", response_model=Envelope, summary="FIMR rate, by cohort and group")
def fimr_summary(conn: Conn, filters: PortfolioFiltersQ, user: Principal = READ,
                 as_of: AsOf = None, group_by: GroupBy | None = None,
                 fmt: Format = "json") -> Any:
    """FIMR rate = loans with fimr_tagged / loans whose first installment is past due, in total,
    by disbursement cohort (month) and per group."""
    r = report(conn, user, filters, as_of, group_by, parts=FIMR_PARTS)
    rows = [_fimr(name, k) for name, k in [("total", r.total)] + [(g.group, g)
                                                                  for g in r.groups]]
    if fmt == "csv":
        return rows_csv(["group", "eligible", "tagged", "rate"], rows, "fimr-summary")
    return ok({"as_of": r.as_of, "filters": r.filters, "group_by": group_by, "total": rows[0],
               "groups": rows[1:]}, "FIMR summary")


@router.get("/early-indicators/summary", response_model=Envelope,
            summary="Early-indicator rate, by group")
def early_indicator_summary(conn: Conn, filters: PortfolioFiltersQ, user: Principal = READ,
                            as_of: AsOf = None, group_by: GroupBy | None = None,
                            fmt: Format = "json") -> Any:
    """Early-indicator rate = loans 1 to 6 days past due / loans on the books."""
    r = report(conn, user, filters, as_of, group_by, parts=EARLY_PARTS)
    rows = [{"group": name, "loans_on_books": k.loans_on_books,
             "early_indicator_count": k.early_indicator_count,
             "early_indicator_rate": k.early_indicator_rate}
            for name, k in [("total", r.total)] + [(g.group, g) for g in r.groups]]
    if fmt == "csv":
        return rows_csv(list(rows[0]), rows, "early-indicator-summary")
    return ok({"as_of": r.as_of, "filters": r.filters, "group_by": group_by, "total": rows[0],
               "groups": rows[1:]}, "early-indicator summary")


def _fimr(name: str | None, k: Any) -> dict[str, Any]:
    return {"group": name, "eligible": k.fimr_eligible, "tagged": k.fimr_tagged,
            "rate": k.fimr_rate,
            "cohorts": [{"cohort": c.cohort, "eligible": c.eligible, "tagged": c.tagged,
                         "rate": c.rate} for c in k.cohorts]}


