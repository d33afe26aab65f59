"""SMS reminders: templates and their preview, queueing (the SQL function
send_overdue_loan_notifications, ONE implementation for the CLI, the web and the scheduler),
the dry run, and the sender that delivers the queue through a provider, outside quiet hours,
retrying a refused message with backoff until it has no attempts left.

The clock is a parameter (`now`), so quiet hours and retries are tested without patching."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, text

from astrofinance.db.sqlstate import rule_errors
from astrofinance.errors import NotFound, ValidationFailed
from astrofinance.kit.sql import load_sql
from astrofinance.sms.providers import Provider
from astrofinance.sms.settings import SmsSettings

_PKG = "astrofinance.sms"
PLACEHOLDERS = ("customer_name", "amount_due", "days_overdue", "loan_id", "officer_name",
                "officer_phone")
STATUSES = ("queued", "sent", "failed", "cancelled")
DEFAULT_TEMPLATE = "overdue"
MAX_HISTORY = 1000
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class Template:
    code: str
    name: str
    body: str
    active: bool
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True)
class Message:
    id: int
    loan_id: str
    customer_id: str | None
    phone: str
    template_code: str
    message: str
    status: str
    attempts: int
    last_error: str | None
    provider: str | None
    provider_message_id: str | None
    created_by: str
    created_at: dt.datetime
    next_attempt_at: dt.datetime
    sent_at: dt.datetime | None
    for_day: dt.date

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Candidate:
    loan_id: str
    customer_id: str
    customer_name: str
    phone: str
    days_overdue: int
    amount_due: Decimal
    message: str


@dataclass
class Delivery:
    """What one batch did: sent, refused and waiting for a retry, refused for good; held:
    nothing was sent because of quiet hours."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    held: bool = False

    @property
    def attempted(self) -> int:
        return self.sent + self.retrying + self.failed

    def add(self, batch: Delivery) -> None:
        """Count a batch into this total."""
        self.sent += batch.sent
        self.retrying += batch.retrying
        self.failed += batch.failed
        self.held = batch.held


# --- templates ---------------------------------------------------------------------------

def list_templates(conn: Connection) -> list[Template]:
    """Every template, by code."""
    rows = conn.execute(text("SELECT code, name, body, active, created_at, updated_at "
                             "FROM sms_templates ORDER BY code"))
    return [Template(*r) for r in rows]


def get_template(conn: Connection, code: str) -> Template:
    """One template (NotFound names the ones there are)."""
    for t in list_templates(conn):
        if t.code == code:
            return t
    known = ", ".join(t.code for t in list_templates(conn)) or "none"
    raise NotFound(f"no SMS template {code!r} (there are: {known})")


def check_body(body: str) -> str:
    """A template's text, or ValidationFailed naming the unknown placeholders."""
    body = body.strip()
    if not body:
        raise ValidationFailed("a template needs a text")
    if len(body) > 1000:
        raise ValidationFailed(f"a template is at most 1000 characters, not {len(body)}")
    unknown = sorted({p for p in _PLACEHOLDER.findall(body) if p not in PLACEHOLDERS})
    if unknown:
        raise ValidationFailed(
            f"unknown placeholder(s) {', '.join('{' + p + '}' for p in unknown)}; use "
            + " ".join("{" + p + "}" for p in PLACEHOLDERS))
    return body


def set_template(conn: Connection, code: str, body: str, name: str | None = None,
                 active: bool | None = None) -> Template:
    """Create a template or change its text (and name, active)."""
    code = code.strip().lower()
    if not _CODE.match(code):
        raise ValidationFailed(f"a template code is lower-case letters, digits and _ "
                               f"(up to 40, starting with a letter), not {code!r}")
    name = name.strip() if name and name.strip() else None
    row = conn.execute(text(load_sql(_PKG, "templates_upsert")),
                       {"code": code, "name": name, "body": check_body(body),
                        "active": active}).one()
    return Template(*row)


def preview(conn: Connection, loan_id: str, body: str) -> tuple[str, str | None]:
    """The text `body` becomes for a loan (the queueing's rendering) and the phone it goes to."""
    row = conn.execute(text(load_sql(_PKG, "preview")),
                       {"body": check_body(body), "loan_id": loan_id.strip()}).first()
    if row is None:
        raise NotFound(f"no loan {loan_id.strip()!r}")
    return row.message, row.phone


# --- queueing ----------------------------------------------------------------------------

def overdue_candidates(conn: Connection, days: int, for_day: dt.date,
                       template: str = DEFAULT_TEMPLATE) -> list[Candidate]:
    """The messages queue_overdue would add (the dry run: reads only)."""
    _check_days(days)
    get_template(conn, template)
    rows = conn.execute(text("SELECT * FROM sms_overdue_candidates(:d, :day, :t)"),
                        {"d": days, "day": for_day, "t": template})
    return [Candidate(*r) for r in rows]


def queue_overdue(conn: Connection, days: int, created_by: str, for_day: dt.date | None = None,
                  template: str = DEFAULT_TEMPLATE) -> int:
    """Queue one reminder per loan `days` or more past due (at most one a loan a day)."""
    _check_days(days)
    with rule_errors():
        return int(conn.execute(
            text("SELECT send_overdue_loan_notifications(:d, :by, :day, :t)"),
            {"d": days, "by": created_by, "day": for_day, "t": template}).scalar_one())


def queue_reminder(conn: Connection, loan_id: str, created_by: str, for_day: dt.date,
                   template: str = DEFAULT_TEMPLATE) -> tuple[Message, bool]:
    """Queue today's reminder for one loan (on the books, with a phone, overdue or not):
    the message and True, or the one already queued today and False."""
    with rule_errors():
        added = conn.execute(
            text("SELECT send_overdue_loan_notifications(0, :by, :day, :t, ARRAY[:l])"),
            {"by": created_by, "day": for_day, "t": template, "l": loan_id}).scalar_one()
    found = [m for m in history(conn, loan_id=loan_id, limit=MAX_HISTORY)
             if m.for_day == for_day and m.template_code == template]
    if not found:
        raise ValidationFailed(f"no reminder for loan {loan_id}: it needs a customer with a "
                               "phone and to be on the books (disbursed, not closed)")
    return found[0], bool(added)


def _check_days(days: int) -> None:
    if days < 1:
        raise ValidationFailed(f"days overdue must be 1 or more, not {days}")


# --- history -----------------------------------------------------------------------------

def history(conn: Connection, *, loan_id: str | None = None, status: str | None = None,
            limit: int = 100) -> list[Message]:
    """The messages, newest first."""
    if status is not None and status not in STATUSES:
        raise ValidationFailed(f"unknown status {status!r}: use one of {', '.join(STATUSES)}")
    if not 1 <= limit <= MAX_HISTORY:
        raise ValidationFailed(f"the limit is 1 to {MAX_HISTORY}, not {limit}")
    rows = conn.execute(text(load_sql(_PKG, "history")),
                        {"loan_id": loan_id, "status": status, "limit": limit})
    return [Message(*r) for r in rows]


# --- delivery ----------------------------------------------------------------------------

def in_quiet_hours(now: dt.datetime, settings: SmsSettings, timezone: str) -> bool:
    """Whether `now` is inside the quiet hours (start inclusive, end exclusive, in the business
    time zone; they may span midnight; equal start and end: none)."""
    start, end = settings.quiet_start, settings.quiet_end
    local = now.astimezone(ZoneInfo(timezone)).time().replace(tzinfo=None)
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def deliver_due(conn: Connection, provider: Provider, settings: SmsSettings, *,
                now: dt.datetime, timezone: str, ignore_quiet_hours: bool = False,
                ids: list[int] | None = None) -> Delivery:
    """Deliver one batch (ASTROFINANCE_SMS_BATCH_SIZE) of the queued messages due by `now`;
    nothing during quiet hours unless told to ignore them."""
    if not ignore_quiet_hours and in_quiet_hours(now, settings, timezone):
        return Delivery(held=True)
    result = Delivery()
    batch = conn.execute(text(load_sql(_PKG, "queue_due")),
                         {"now": now, "ids": ids, "limit": settings.batch_size}).all()
    for row in batch:
        try:
            provider_id = provider.send(row.phone, row.message, f"sms-{row.id}")
        except Exception as e:  # noqa: BLE001  (any refusal is recorded, the batch goes on)
            status = conn.execute(text(load_sql(_PKG, "record_failed")), {
                "id": row.id, "error": _error_text(e), "provider": provider.name,
                "max_attempts": settings.max_attempts, "now": now,
                "retry_seconds": float(settings.retry_seconds)}).scalar_one()
            if status == "failed":
                result.failed += 1
            else:
                result.retrying += 1
            continue
        conn.execute(text(load_sql(_PKG, "record_sent")), {
            "id": row.id, "now": now, "provider": provider.name,
            "provider_message_id": provider_id})
        result.sent += 1
    return result


def _error_text(e: Exception) -> str:
    from astrofinance.sms.providers import SendFailed

    message = str(e) if isinstance(e, SendFailed) else f"{type(e).__name__}: {e}"
    return message[:500]


def cancel_queued(conn: Connection, ids: list[int] | None = None, *,
                  loan_id: str | None = None) -> int:
    """Cancel queued messages: those of `ids`, else every queued one (of `loan_id` when
    given). Sent, failed and cancelled ones stay as they are; how many were cancelled."""
    return conn.execute(text("UPDATE sms_histories SET status = 'cancelled' "
                             "WHERE status = 'queued' "
                             "AND (CAST(:ids AS bigint[]) IS NULL OR id = ANY (:ids)) "
                             "AND (CAST(:loan AS text) IS NULL OR loan_id = :loan)"),
                        {"ids": ids, "loan": loan_id}).rowcount
