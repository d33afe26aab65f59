"""Portfolio metrics (shared/spec/metrics.md) for any filter, grouped or not; PAR alone."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import Field

from astrofinance.api.csv import rows_csv
from astrofinance.api.deps import Conn, allow
from astrofinance.api.envelope import ERROR_RESPONSES, Envelope, ok
from astrofinance.api.query import Date, Format, GroupBy, Many
from astrofinance.auth.tokens import Principal
from astrofinance.metrics.portfolio import PARTS, PortfolioFilters, portfolio_metrics

router = APIRouter(prefix="/metrics", tags=["metrics"], responses=ERROR_RESPONSES)
READ = allow("metrics.read")


def portfolio_filters(
    branch: Many = None, region: Many = None, officer_id: Many = None,
    supervisor: Annotated[list[str] | None, Query(description="email (repeatable)")] = None,
    vertical_lead: Annotated[list[str] | None, Query(description="email (repeatable)")] = None,
    wave: Many = None, product: Many = None,
    disbursed_from: Date | None = None, disbursed_to: Date | None = None,
) -> PortfolioFilters:
    return PortfolioFilters(
        branch=tuple(branch or ()), region=tuple(region or ()), officer=tuple(officer_id or ()),
        supervisor=tuple(supervisor or ()), vertical_lead=tuple(vertical_lead or ()),
        wave=tuple(wave or ()), product=tuple(product or ()), disbursed_from=disbursed_from,
        disbursed_to=disbursed_to)


PortfolioFiltersQ = Annotated[PortfolioFilters, Depends(portfolio_filters)]
AsOf = Annotated[Date | None, Query(description="default: the date the stored fields are "
                                                   "as of; another date computes them on the fly")]


def report(conn: Conn, user: Principal, filters: PortfolioFilters, as_of: Date | None,
           group_by: GroupBy | None = None, period_from: Date | None = None,
           period_to: Date | None = None, par_days: list[int] | None = None,
           parts: frozenset[str] = PARTS):
    """portfolio_metrics over the caller's scope (only `parts` of it: a summary of one
    figure needs one pass over the loans, not all of them)."""
    from dataclasses import replace

    return portfolio_metrics(conn, as_of=as_of, group_by=group_by.value if group_by else None,
                             filters=replace(filters, scope=user.scope.officer_ids),
                             period_start=period_from, period_end=period_to, par_days=par_days,
                             parts=parts)


@router.get("/portfolio", response_model=Envelope, summary="Portfolio metrics")
def portfolio(request: Request, conn: Conn, filters: PortfolioFiltersQ, user: Principal = READ,
              as_of: AsOf = None, group_by: GroupBy | None = None,
              period_from: Date | None = None, period_to: Date | None = None,
              fmt: Format = "json") -> Any:
    """Loans on the books, GLP, PAR1/7/30/90, arrears, FIMR, early indicators, collections,
    CBN classes with provisions, disbursements and write-offs: in total and per group.
    `format=csv` gives one row per group (or the total) with the headline figures."""
    key = ("metrics.portfolio", filters, user.scope.officer_ids, as_of, group_by,
           period_from, period_to, request.app.state.settings.today())
    result = request.app.state.cache.get(conn, key, lambda c: report(
        c, user, filters, as_of, group_by, period_from, period_to).to_dict())
    if fmt == "csv":
        rows = result.get("groups") or [{"group": "total", **result}]
        return rows_csv(CSV_COLUMNS(result), rows, "portfolio")
    return ok(result, "portfolio metrics")


def CSV_COLUMNS(result: dict[str, Any]) -> list[str]:  # noqa: N802 (a computed constant)
    return ["group", *[k for k, v in result.items()
                       if not isinstance(v, dict | list) and k not in
                       ("as_of", "fields_source", "group_by")]]


@router.get("/par", response_model=Envelope, summary="Portfolio at risk")
def par(conn: Conn, filters: PortfolioFiltersQ, user: Principal = READ, as_of: AsOf = None,
        days: Annotated[list[Annotated[int, Field(ge=0, le=3650)]] | None,
                        Query(max_length=20, description="thresholds in days (default "
                                                         "ASTROFINANCE_PAR_THRESHOLDS)")] = None,
        group_by: GroupBy | None = None, fmt: Format = "json") -> Any:
    """PARx = 100 × principal outstanding of loans on the books more than x days past due /
    GLP; also by count; in total and per group."""
    r = report(conn, user, filters, as_of, group_by, par_days=days, parts=frozenset({"book"}))
    scopes = [("total", r.total)] + [(g.group, g) for g in r.groups]
    rows = [{"group": name, "gross_loan_portfolio": k.gross_loan_portfolio,
             "loans_on_books": k.loans_on_books,
             "par": [{"days": d, "amount": k.par_amounts.get(d), "loans": k.par_counts.get(d),
                      "rate": k.par(d), "rate_by_count": k.par_by_count(d)}
                     for d in r.par_days]} for name, k in scopes]
    if fmt == "csv":
        flat = [{"group": x["group"], "days": p["days"], "amount": p["amount"],
                 "loans": p["loans"], "rate": p["rate"], "rate_by_count": p["rate_by_count"],
                 "gross_loan_portfolio": x["gross_loan_portfolio"]}
                for x in rows for p in x["par"]]
        return rows_csv(["group", "days", "amount", "loans", "rate", "rate_by_count",
                         "gross_loan_portfolio"], flat, "par")
    return ok({"as_of": r.as_of, "fields_source": r.fields_source, "filters": r.filters,
               "group_by": group_by, "total": rows[0], "groups": rows[1:]}, "portfolio at risk")
