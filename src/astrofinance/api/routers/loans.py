"""Loans: the list with filters, sorting, totals and summary; one loan, its schedule and
repayments; recalculation of the computed fields (all loans, or one)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from pydantic import Field

from astrofinance.api.cache import Version, data_version
from astrofinance.api.csv import stream_csv
from astrofinance.api.deps import Conn, PageQ, allow
from astrofinance.api.envelope import ERROR_RESPONSES, Envelope, counted, ok
from astrofinance.api.query import Date, Format, LoanFiltersQ, LoanSort, Order, Strict, scoped
from astrofinance.auth.tokens import Principal
from astrofinance.metrics.service import recalculate
from astrofinance.portfolio import loan_list

router = APIRouter(tags=["loans"], responses=ERROR_RESPONSES)
READ = allow("loans.read")
RECALC = allow("metrics.recalculate")


class Recalculation(Strict):
    as_of: Date | None = Field(None, description="default: today in the business time zone")


def loans_answer(request: Request, conn: Conn, user: Principal, filters: loan_list.LoanFilters,
                 page: Any, sort: str, order: str, fmt: str, name: str,
                 with_summary: bool = True) -> Any:
    """A loans list (JSON page with total, pages and summary, or the whole set as CSV)."""
    if fmt == "csv":
        query, params = loan_list.export_query(filters, sort=sort, order=order)
        return stream_csv(request.app.state.db, query, params, name)
    data = loans_page(request, conn, filters, page, sort, order)
    if not with_summary:
        del data["summary"]
    return ok(data, counted(data["total"], "loan"))


def loans_page(request: Request, conn: Conn, filters: loan_list.LoanFilters, page: Any,
               sort: str, order: str) -> dict[str, Any]:
    """One page of the list with the total, the pages and the summary (the API's answer and
    the web UI's All Loans table): served from the versioned cache while the data is
    unchanged."""
    cache, settings = request.app.state.cache, request.app.state.settings
    version = data_version(conn) if cache.seconds > 0 else None
    items = _page(request, conn, filters, page, sort, order, version)
    summary = cache.get(conn, ("loans.summary", filters, tuple(settings.par_days)),
                        lambda c: loan_list.summary(c, filters, settings.par_days), version)
    return {"items": items, **page.meta(summary["loans"]), "sort": sort, "order": order,
            "summary": summary}


def _page(request: Request, conn: Conn, filters: loan_list.LoanFilters, page: Any, sort: str,
          order: str, version: Version | None) -> list[dict[str, Any]]:
    """One page: while it lies within the first ASTROFINANCE_API_CACHE_ROWS rows, read by the
    ids the cache keeps for this filter and order (api/cache.py); later pages, or with the
    cache off, the query with its offset."""
    cache, window = request.app.state.cache, request.app.state.settings.api_cache_rows
    if page.offset + page.limit > window or cache.seconds <= 0:
        return loan_list.list_page(conn, filters, sort=sort, order=order, limit=page.limit,
                                   offset=page.offset)
    ids = cache.get(
        conn, ("loans.ids", filters, sort, order),
        lambda c: loan_list.first_ids(c, filters, sort=sort, order=order, limit=window),
        version)
    wanted = ids[page.offset:page.offset + page.limit]
    return loan_list.rows_by_id(conn, wanted) if wanted else []


@router.get("/loans", response_model=Envelope, summary="Loans, filtered, sorted and paged")
def list_loans(request: Request, conn: Conn, filters: LoanFiltersQ, page: PageQ,
               user: Principal = READ, sort: LoanSort = LoanSort.loan_id,  # type: ignore[attr-defined]
               order: Order = "asc", fmt: Format = "json") -> Any:
    """The loans the caller may see matching every filter given, `limit` per page, with the
    total, the number of pages and summary metrics (GLP, PAR, arrears, FIMR and early
    indicators, average DPD) for the whole filter. `format=csv` streams every row."""
    return loans_answer(request, conn, user, scoped(filters, user), page, sort, order, fmt,
                        "loans")


@router.post("/loans/recalculate-fields", response_model=Envelope,
             summary="Recalculate every loan's computed fields")
def recalculate_fields(conn: Conn, request: Request, user: Principal = RECALC,
                       body: Annotated[Recalculation | None, Body()] = None) -> Any:
    """Recompute and store the per-loan fields of every loan (as of today, or `as_of`), as the
    earlier system's endpoint did; returns loans_updated and execution_time_ms."""
    as_of = (body.as_of if body else None) or request.app.state.settings.today()
    result = recalculate_in_scope(conn, user, as_of)
    empty = not user.scope.everything and not result["total_loans_processed"]
    return ok(result, "no loans to recalculate" if empty
              else "Successfully recalculated computed fields for all loans")


def recalculate_in_scope(conn: Conn, user: Principal, as_of: Any) -> dict[str, Any]:
    """Recalculate every loan the caller sees (all of them, or a scoped role's own) as of a
    day: the API's and the web UI's Refresh Fields."""
    ids = None
    if not user.scope.everything:      # a scoped role granted the right: its own loans only
        ids = loan_list.first_ids(conn, scoped(loan_list.LoanFilters(), user), limit=None)
        if not ids:
            return {"as_of": as_of, "total_loans_processed": 0, "loans_updated": 0,
                    "execution_time_ms": 0}
    result = recalculate(conn, as_of, ids)
    return {"as_of": result.as_of, "total_loans_processed": result.total_loans_processed,
            "loans_updated": result.loans_updated,
            "execution_time_ms": result.execution_time_ms}


@router.get("/loans/{loan_id}", response_model=Envelope, summary="One loan and its fields")
def get_loan(loan_id: str, conn: Conn, user: Principal = READ) -> Any:
    """The loan's terms, customer, officer, hierarchy and every computed field."""
    return ok(loan_list.loan_detail(conn, loan_id, user.scope.officer_ids))


@router.get("/loans/{loan_id}/schedule", response_model=Envelope,
            summary="A loan's installments")
def loan_schedule(loan_id: str, conn: Conn, request: Request, user: Principal = READ,
                  fmt: Format = "json") -> Any:
    """Each installment with its components and the date it became fully paid."""
    return _loan_rows(conn, user, loan_id, "loan_schedule_rows", fmt, f"schedule-{loan_id}")


@router.get("/loans/{loan_id}/repayments", response_model=Envelope,
            summary="A loan's repayments")
def loan_repayments(loan_id: str, conn: Conn, user: Principal = READ,
                    fmt: Format = "json") -> Any:
    """Every repayment of the loan, oldest first; reversed ones flagged."""
    return _loan_rows(conn, user, loan_id, "loan_repayments", fmt, f"repayments-{loan_id}")


@router.post("/loans/{loan_id}/recalculate", response_model=Envelope,
             summary="Recalculate one loan's computed fields")
def recalculate_loan(loan_id: str, conn: Conn, request: Request, user: Principal = RECALC,
                     body: Annotated[Recalculation | None, Body()] = None) -> Any:
    """Recompute and store this loan's fields (as of today, or `as_of`); returns the loan."""
    loan_list.loan_detail(conn, loan_id, user.scope.officer_ids)     # 404 outside the scope
    as_of = (body.as_of if body else None) or request.app.state.settings.today()
    result = recalculate(conn, as_of, [loan_id])
    return ok({"execution_time_ms": result.execution_time_ms,
               "loan": loan_list.loan_detail(conn, loan_id)},
              f"recalculated loan {loan_id} as of {as_of}")


def _loan_rows(conn: Conn, user: Principal, loan_id: str, name: str, fmt: str,
               filename: str) -> Any:
    from astrofinance.api.csv import rows_csv

    loan_list.loan_detail(conn, loan_id, user.scope.officer_ids)     # 404 outside the scope
    columns, rows = loan_list.loan_rows(conn, name, loan_id)
    if fmt == "csv":
        return rows_csv(columns, rows, filename)
    return ok({"loan_id": loan_id, "items": rows, "total": len(rows)})
