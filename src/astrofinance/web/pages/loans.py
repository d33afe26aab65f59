"""All Loans (the API's list: every filter, sorting, paging, the summary, CSV of the whole
filtered set, Refresh Fields) and the loan page (terms, schedule, repayments, computed fields
with how each was derived, journal entries, audit trail; payments, reversals, write-offs)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from sqlalchemy import text
from starlette.responses import RedirectResponse

from astrofinance.api.deps import Conn, PageQ
from astrofinance.api.guards import require_loan, require_payment
from astrofinance.api.money import Money
from astrofinance.api.query import Date, LoanFiltersQ, LoanSort, Order, scoped
from astrofinance.api.routers.loans import loans_page, recalculate_in_scope
from astrofinance.errors import AstroFinanceError, ValidationFailed
from astrofinance.lending import service
from astrofinance.metrics.service import refresh_loan_fields
from astrofinance.portfolio import loan_list
from astrofinance.web.auth import needs
from astrofinance.web.explain import explain_fields
from astrofinance.web.pages.common import filter_options
from astrofinance.web.pages.sms import local_history
from astrofinance.web.render import page, query_with

router = APIRouter()
READ = needs("loans.read")
COLUMNS: tuple[tuple[str, str, str, bool], ...] = (
    # key, label, kind (text|money|int|rate|date|bool), shown by default
    ("loan_id", "Loan", "text", True), ("customer_name", "Customer", "text", True),
    ("officer_name", "Officer", "text", True), ("branch", "Branch", "text", True),
    ("region", "Region", "text", False), ("wave", "Wave", "text", True),
    ("status", "Status", "text", True), ("product", "Product", "text", False),
    ("channel", "Channel", "text", False), ("loan_amount", "Loan amount", "money", True),
    ("disbursement_date", "Disbursed", "date", True),
    ("first_payment_due_date", "First due", "date", False),
    ("principal_outstanding", "Principal outstanding", "money", True),
    ("total_outstanding", "Total outstanding", "money", False),
    ("total_repayments", "Repaid", "money", False),
    ("current_dpd", "DPD", "int", True), ("max_dpd_ever", "Max DPD", "int", False),
    ("installments_in_arrears", "Instalments in arrears", "int", False),
    ("fimr_tagged", "FIMR", "bool", True), ("early_indicator_tagged", "Early ind.", "bool", True),
    ("repayment_delay_rate", "On-time %", "rate", False),
    ("timeliness_score", "Timeliness", "number", False),
    ("repayment_health", "Health", "number", True),
    ("days_since_last_repayment", "Days since repayment", "int", False),
    ("supervisor_name", "Supervisor", "text", False),
    ("vertical_lead_name", "Vertical lead", "text", False),
)
SORTABLE = frozenset(loan_list.SORTS)


@router.get("/loans")
def all_loans(request: Request, conn: Conn, filters: LoanFiltersQ, page_q: PageQ, user=READ,
              sort: LoanSort = LoanSort.loan_id,  # type: ignore[attr-defined]
              order: Order = "asc") -> Any:
    data = loans_page(request, conn, scoped(filters, user), page_q, sort.value, order)
    csv_query = query_with(request, page=None, limit=None, format="csv")
    return page(request, "loans.html", user, title="All Loans", data=data, columns=COLUMNS,
                sortable=SORTABLE, sort=sort.value, order=order,
                options=filter_options(request, conn, user),
                csv_url=f"/api/v1/loans?{csv_query}",
                can_refresh=user.can("metrics.recalculate"))


@router.post("/loans/refresh-fields")
def refresh_fields(request: Request, conn: Conn, user=needs("metrics.recalculate")) -> Any:
    """The Refresh Fields button: recalculate, then say how many loans and how long."""
    result = recalculate_in_scope(conn, user, request.app.state.settings.today())
    return page(request, "_refresh_result.html", user, result=result)


@router.get("/loans/{loan_id}")
def loan_page(request: Request, loan_id: str, conn: Conn, user=READ) -> Any:
    loan = loan_list.loan_detail(conn, loan_id, user.scope.officer_ids)   # 404 outside scope
    _, schedule = loan_list.loan_rows(conn, "loan_schedule_rows", loan_id)
    _, repayments = loan_list.loan_rows(conn, "loan_repayments", loan_id)
    context: dict[str, Any] = {
        "loan": loan, "schedule": schedule, "repayments": repayments,
        "explanations": explain_fields(loan, schedule, repayments),
        "journal": [], "audit": None, "notice": request.query_params.get("done"),
        "today": request.app.state.settings.today(), "payment_key": uuid.uuid4().hex,
        "booked": conn.execute(text("SELECT EXISTS (SELECT 1 FROM loan_accounts "
                                    "WHERE loan_id = :l)"), {"l": loan_id}).scalar_one(),
    }
    context["sms_history"] = local_history(conn, request.app.state.settings.timezone,
                                           loan_id=loan_id, limit=100)
    if user.can("accounting.read"):
        from astrofinance.accounting.reports import journal

        context["journal"] = journal(conn, loan_id=loan_id, limit=200)
    if user.can("audit.read"):
        from astrofinance.audit.service import AuditFilter, list_log

        context["audit"] = list_log(conn, AuditFilter(table="loans", record=loan_id,
                                                      limit=100),
                                    request.app.state.settings.timezone)
    return page(request, "loan.html", user, title=f"Loan {loan_id}", **context)


def _done(loan_id: str, message: str) -> RedirectResponse:
    from urllib.parse import quote

    return RedirectResponse(f"/loans/{quote(loan_id, safe='')}?done={quote(message)}",
                            status_code=303)


@router.post("/loans/{loan_id}/payments")
def record_payment(request: Request, loan_id: str, conn: Conn,
                   amount: Annotated[Money, Form()], payment_date: Annotated[Date, Form()],
                   idempotency_key: Annotated[str, Form(min_length=8, max_length=128)],
                   reference: Annotated[str | None, Form(max_length=200)] = None,
                   user=needs("payments.post")) -> Any:
    require_loan(conn, user, loan_id)
    try:
        with conn.begin_nested():
            result = service.record_payment(conn, loan_id, amount, payment_date, user.name,
                                            key=f"web:{idempotency_key}", channel="web",
                                            reference=reference or None)
    except AstroFinanceError as exc:
        return _refused(request, conn, user, loan_id, exc)
    if not result.replayed:
        refresh_loan_fields(conn, loan_id)
    return _done(loan_id, f"Recorded a payment of ₦{Decimal(amount):,.2f} "
                          f"({result.repayment_id}).")


@router.post("/loans/{loan_id}/payments/{payment_id}/reverse")
def reverse_payment(request: Request, loan_id: str, payment_id: str, conn: Conn,
                    reason: Annotated[str | None, Form(max_length=500)] = None,
                    user=needs("payments.reverse")) -> Any:
    owner = require_payment(conn, user, payment_id)
    if owner != loan_id:
        raise ValidationFailed(f"payment {payment_id} is not one of loan {loan_id}'s")
    try:
        with conn.begin_nested():
            service.reverse_payment(conn, payment_id, user.name, reason or None)
    except AstroFinanceError as exc:
        return _refused(request, conn, user, loan_id, exc)
    refresh_loan_fields(conn, loan_id)
    return _done(loan_id, f"Reversed payment {payment_id}.")


@router.post("/loans/{loan_id}/write-off")
def write_off(request: Request, loan_id: str, conn: Conn,
              reason: Annotated[str | None, Form(max_length=500)] = None,
              user=needs("loans.write_off")) -> Any:
    require_loan(conn, user, loan_id)
    try:
        with conn.begin_nested():
            service.write_off_loan(conn, loan_id, user.name, None, reason or None)
    except AstroFinanceError as exc:
        return _refused(request, conn, user, loan_id, exc)
    refresh_loan_fields(conn, loan_id)
    return _done(loan_id, f"Wrote off loan {loan_id}.")


def _refused(request: Request, conn: Any, user: Any, loan_id: str, exc: Exception) -> Any:
    """The loan page again, saying why the action was refused (its savepoint was rolled
    back: nothing of the action stays)."""
    status = 422 if isinstance(exc, ValidationFailed) else 409
    response = loan_page(request, loan_id, conn, user)
    response.status_code = status
    return _with_error(response, str(exc))


def _with_error(response: Any, message: str) -> Any:
    context = {**response.context, "action_error": message}
    body = response.template.render(context).encode()
    response.body = body
    response.headers["content-length"] = str(len(body))
    return response
