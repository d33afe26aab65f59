"""SMS reminders on the web: Operations → SMS (managers and admins, sync.run: the templates
with a preview against a loan, the history with filters, queueing the overdue reminders,
sending the queue, cancelling queued messages) and a loan page's "Send a reminder"
(payments.post, scoped like every loan action). Every action calls sms.service, as the CLI
does: no second implementation."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Annotated, Any, Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from sqlalchemy import Connection
from starlette.responses import RedirectResponse, Response

from astrofinance.api.deps import Conn
from astrofinance.api.guards import require_loan
from astrofinance.auth.tokens import Principal
from astrofinance.errors import AstroFinanceError, ValidationFailed
from astrofinance.sms import service
from astrofinance.sms.providers import Provider, provider_from_settings
from astrofinance.sms.settings import SmsSettings, sms_settings
from astrofinance.web.auth import needs
from astrofinance.web.pages.operations_admin import (
    Text,
    attempt,
    business_time,
    done,
    ops_page,
    refused,
)

router = APIRouter()
MANAGE = needs("sync.run")
SEND = needs("payments.post")
Status = Literal["queued", "sent", "failed", "cancelled"]


def _provider(request: Request, settings: SmsSettings) -> Provider:
    """The app's provider when one was given to it (app.state.sms_provider), else the
    configured one (ASTROFINANCE_SMS_PROVIDER; console by default)."""
    given = getattr(request.app.state, "sms_provider", None)
    return given if given is not None else provider_from_settings(settings)


def deliver(request: Request, conn: Connection, ids: list[int] | None = None,
            ignore_quiet_hours: bool = False) -> service.Delivery:
    """Deliver the queue (or the messages `ids`) now, batch after batch, outside quiet hours."""
    settings = sms_settings()
    provider = _provider(request, settings)
    total = service.Delivery()
    while True:
        batch = service.deliver_due(conn, provider, settings,
                                    now=dt.datetime.now(dt.UTC),
                                    timezone=request.app.state.settings.timezone,
                                    ignore_quiet_hours=ignore_quiet_hours, ids=ids)
        total.add(batch)
        if batch.held or batch.attempted < settings.batch_size:
            return total


def local_history(conn: Connection, timezone: str, **filters: Any) -> list[service.Message]:
    """The history with its times in the business time zone."""
    tz = ZoneInfo(timezone)
    return [replace(m, created_at=m.created_at.astimezone(tz),
                    sent_at=m.sent_at.astimezone(tz) if m.sent_at else None)
            for m in service.history(conn, **filters)]


def _sms_page(request: Request, conn: Connection, user: Principal, status: int = 200,
              loan: str | None = None, state: str | None = None, limit: int = 100,
              **extra: Any) -> Response:
    business_time(request, conn)
    settings = sms_settings()
    tz = request.app.state.settings.timezone
    return ops_page(request, "ops_sms.html", user, title="SMS", status=status,
                    templates=service.list_templates(conn),
                    messages=local_history(conn, tz, loan_id=loan or None, status=state,
                                           limit=limit),
                    filters={"loan": loan or "", "status": state or "", "limit": limit},
                    statuses=service.STATUSES, placeholders=service.PLACEHOLDERS,
                    provider=settings.provider,
                    quiet=f"{settings.quiet_start:%H:%M}–{settings.quiet_end:%H:%M}",
                    quiet_now=service.in_quiet_hours(dt.datetime.now(dt.UTC), settings, tz),
                    **extra)


@router.get("/operations/sms")
def sms_page(request: Request, conn: Conn, user=MANAGE,
             loan: Annotated[str | None, Query(max_length=100)] = None,
             status: Status | None = None,
             limit: Annotated[int, Query(ge=1, le=service.MAX_HISTORY)] = 100) -> Response:
    return _sms_page(request, conn, user, loan=loan, state=status, limit=limit)


@router.post("/operations/sms/templates")
def save_template(request: Request, conn: Conn, code: Text = "", body: Text = "",
                  name: Text = "", action: Text = "save", loan_id: Text = "",
                  user=MANAGE) -> Response:
    """Save a template (as `sms templates set`), or preview its text against a loan."""
    if action == "preview":
        result = attempt(conn, lambda: service.preview(conn, _required(loan_id, "a loan id "
                                                                       "to preview with"),
                                                       body))
        form = {"code": code, "body": body, "name": name, "loan_id": loan_id}
        if isinstance(result, AstroFinanceError):
            return refused(_sms_page, request, conn, user, result, **form)
        return _sms_page(request, conn, user, form=form,
                         preview={"code": code, "message": result[0], "phone": result[1]})
    saved = attempt(conn, lambda: service.set_template(conn, code, body, name or None))
    if isinstance(saved, AstroFinanceError):
        return refused(_sms_page, request, conn, user, saved, code=code, body=body, name=name,
                       loan_id=loan_id)
    return done("/operations/sms", f"Saved template {saved.code} ({saved.name}).")


@router.post("/operations/sms/queue")
def queue_overdue(request: Request, conn: Conn, days: Text = "1", user=MANAGE) -> Response:
    """Queue today's reminders, as `astrofinance sms send-overdue --days N` does."""
    def queue() -> int:
        if not days.strip().isdigit():
            raise ValidationFailed(f"days overdue is a whole number, not {days!r}")
        return service.queue_overdue(conn, int(days), user.name,
                                     request.app.state.settings.today())

    result = attempt(conn, queue)
    if isinstance(result, AstroFinanceError):
        return refused(_sms_page, request, conn, user, result, days=days)
    return done("/operations/sms", f"Queued {result} reminder(s) for loans {days.strip()} or "
                                   "more days past due (at most one a loan a day).")


@router.post("/operations/sms/send")
def send_queued(request: Request, conn: Conn, user=MANAGE) -> Response:
    """Deliver the queue now, as `astrofinance sms send` does (quiet hours respected)."""
    result = attempt(conn, lambda: deliver(request, conn))
    if isinstance(result, AstroFinanceError):
        return refused(_sms_page, request, conn, user, result)
    if result.held:
        return done("/operations/sms", "Quiet hours: nothing was sent; the queued messages "
                                       "wait until they end.")
    return done("/operations/sms", f"Sent {result.sent} message(s); {result.retrying} to "
                                   f"retry later, {result.failed} failed.")


@router.post("/operations/sms/cancel")
def cancel_queued(request: Request, conn: Conn, id: Text = "", user=MANAGE) -> Response:  # noqa: A002
    """Cancel one queued message (`id`), or every queued one (no id), as `astrofinance sms
    cancel` does."""
    def cancel() -> int:
        if id.strip() and not id.strip().isdigit():
            raise ValidationFailed(f"message id is a whole number, not {id!r}")
        return service.cancel_queued(conn, [int(id)] if id.strip() else None)

    result = attempt(conn, cancel)
    if isinstance(result, AstroFinanceError):
        return refused(_sms_page, request, conn, user, result)
    if id.strip():
        return done("/operations/sms", f"Cancelled message {id.strip()}." if result else
                    f"Message {id.strip()} was not queued any more: nothing cancelled.")
    return done("/operations/sms", f"Cancelled {result} queued message(s).")


@router.post("/loans/{loan_id}/sms")
def send_reminder(request: Request, loan_id: str, conn: Conn, user=SEND) -> Response:
    """Queue today's reminder for the loan and send it now (unless quiet hours)."""
    from astrofinance.web.pages.loans import _refused

    require_loan(conn, user, loan_id)

    def send() -> str:
        message, added = service.queue_reminder(conn, loan_id, user.name,
                                                request.app.state.settings.today())
        if not added and message.status != "queued":
            return f"A reminder was already sent today ({message.status}): not sent again."
        result = deliver(request, conn, ids=[message.id])
        if result.held:
            return "Quiet hours: the reminder is queued and goes out when they end."
        if result.sent:
            return f"Reminder sent to {message.phone}."
        return "The reminder could not be sent now; it is queued and will be retried."

    outcome = attempt(conn, send)
    if isinstance(outcome, AstroFinanceError):
        return _refused(request, conn, user, loan_id, outcome)
    return RedirectResponse(f"/loans/{quote(loan_id, safe='')}?done={quote(outcome)}",
                            status_code=303)


def _required(value: str, what: str) -> str:
    if not value.strip():
        raise ValidationFailed(f"give {what}")
    return value.strip()
