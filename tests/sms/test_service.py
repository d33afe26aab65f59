"""SMS reminders on a real database: queueing (deduplicated, only overdue loans with phones),
the dry run, templates and preview, quiet hours, and delivery through real HTTP to a local
fake gateway (success, retries then failure, Africa's Talking's request shape)."""

from __future__ import annotations

import datetime as dt
import io
import secrets

import pytest
from sqlalchemy import text

from astrofinance.errors import NotFound, ValidationFailed
from astrofinance.sms import service
from astrofinance.sms.providers import (
    AfricasTalkingProvider,
    ConsoleProvider,
    HttpGatewayProvider,
)
from astrofinance.sms.settings import SmsSettings
from tests.sms.book import DAY, add_book
from tests.sms.gateway import fake_gateway

TZ = "Africa/Lagos"
LAGOS = dt.timezone(dt.timedelta(hours=1))
NOON = dt.datetime.combine(DAY, dt.time(12, 0), LAGOS)
NIGHT = dt.datetime.combine(DAY, dt.time(21, 30), LAGOS)
GATEWAY_TOKEN = secrets.token_urlsafe(16)   # made per run: no credential in the repository


def settings(**kw) -> SmsSettings:
    return SmsSettings(**{"ASTROFINANCE_SMS_RETRY_SECONDS": 60,
                          "ASTROFINANCE_SMS_MAX_ATTEMPTS": 3, **kw})


@pytest.fixture
def book(db):
    with db.begin() as c:
        add_book(c)
    return db


def queued(db, **filters) -> list[service.Message]:
    with db.begin() as c:
        return service.history(c, **filters)


def test_queues_only_overdue_loans_with_phones_once_a_day(book):
    with book.begin() as c:
        assert service.queue_overdue(c, 1, "ops", DAY) == 2
    with book.begin() as c:   # the second call the same day queues nothing
        assert service.queue_overdue(c, 1, "ops", DAY) == 0
        assert c.execute(text("SELECT send_overdue_loan_notifications(1, 'cron')")).scalar() \
            in (0, 2)    # the interfaces.md signature (today: its own day)
    rows = [m for m in queued(book) if m.for_day == DAY]
    assert sorted(m.loan_id for m in rows) == ["L-LATE-30", "L-OVERDUE"]
    m = next(m for m in rows if m.loan_id == "L-OVERDUE")
    assert (m.phone, m.status, m.attempts, m.created_by, m.template_code) == \
        ("+2348030000001", "queued", 0, "ops", "overdue")
    assert "Bola Ade" in m.message and "1,500.50" in m.message and "5 day" in m.message
    assert "Ada Officer" in m.message and "0803 555 0101" in m.message
    with book.begin() as c:   # a higher threshold: only the loan 30 days late
        assert [x.loan_id for x in service.overdue_candidates(c, 10, DAY + dt.timedelta(1))] \
            == ["L-LATE-30"]
        assert service.queue_overdue(c, 1, "ops", DAY + dt.timedelta(1)) == 2  # a new day
        logged = c.execute(text("SELECT count(*) FROM audit_logs "
                                "WHERE table_name = 'sms_histories'")).scalar()
    assert logged >= 1   # audited like the other business tables


def test_dry_run_writes_nothing(book):
    with book.begin() as c:
        would = service.overdue_candidates(c, 1, DAY)
    assert [(x.loan_id, x.phone, x.days_overdue) for x in would] == [
        ("L-LATE-30", "+2348030000002", 30), ("L-OVERDUE", "+2348030000001", 5)]
    assert str(would[0].amount_due) == "12345.00" and "12,345.00" in would[0].message
    assert queued(book) == []


def test_bad_input_is_refused(book):
    with book.begin() as c:
        with pytest.raises(ValidationFailed, match="1 or more"):
            service.queue_overdue(c, 0, "ops", DAY)
    with book.begin() as c:
        with pytest.raises(NotFound, match="no active SMS template"):
            service.queue_overdue(c, 1, "ops", DAY, template="nope")
    with book.begin() as c:
        with pytest.raises(ValidationFailed, match=r"unknown placeholder.*\{balance\}"):
            service.set_template(c, "overdue", "Pay {balance} now")


def test_templates_and_preview(book):
    with book.begin() as c:
        t = service.set_template(c, "friendly", "Hi {customer_name}, {loan_id} owes "
                                 "{amount_due}.", name="Friendly")
        assert (t.code, t.name, t.active) == ("friendly", "Friendly", True)
        again = service.set_template(c, "friendly", "Hello {customer_name}")
        assert again.name == "Friendly" and again.body == "Hello {customer_name}"
        assert [x.code for x in service.list_templates(c)] == ["friendly", "overdue"]
        message, phone = service.preview(c, "L-OVERDUE", "Hi {customer_name}: {amount_due} "
                                         "for {loan_id}, {days_overdue} days")
        assert (message, phone) == ("Hi Bola Ade: 1,500.50 for L-OVERDUE, 5 days",
                                    "+2348030000001")
        assert service.preview(c, "L-NOPHONE", "{customer_name}")[1] is None
        with pytest.raises(NotFound):
            service.preview(c, "L-NONE", "x")
        assert service.queue_overdue(c, 1, "ops", DAY, template="friendly") == 2
    assert {m.message for m in queued(book)} == {"Hello Bola Ade", "Hello Chidi Eze"}


def test_quiet_hours_hold_the_queue(book):
    s = settings()
    out = io.StringIO()
    with book.begin() as c:
        service.queue_overdue(c, 1, "ops", DAY)
        held = service.deliver_due(c, ConsoleProvider(out), s, now=NIGHT, timezone=TZ)
    assert held.held and held.attempted == 0 and out.getvalue() == ""
    assert {m.status for m in queued(book)} == {"queued"}
    early = dt.datetime.combine(DAY, dt.time(7, 59), LAGOS)
    assert service.in_quiet_hours(early, s, TZ)
    assert not service.in_quiet_hours(early + dt.timedelta(minutes=1), s, TZ)
    assert not service.in_quiet_hours(NIGHT, settings(ASTROFINANCE_SMS_QUIET_START="00:00",
                                                      ASTROFINANCE_SMS_QUIET_END="00:00"), TZ)
    with book.begin() as c:   # ignoring them sends
        forced = service.deliver_due(c, ConsoleProvider(out), s, now=NIGHT, timezone=TZ,
                                     ignore_quiet_hours=True)
    assert forced.sent == 2 and "+2348030000001" in out.getvalue()
    with book.begin() as c:   # morning: nothing left to send
        assert service.deliver_due(c, ConsoleProvider(out), s, now=NOON,
                                   timezone=TZ).attempted == 0


def test_http_gateway_receives_the_message(book):
    with book.begin() as c:
        service.queue_overdue(c, 1, "ops", DAY)
    with fake_gateway(answer={"id": "gw-777"}) as gw:
        provider = HttpGatewayProvider(gw.url + "/send", token=GATEWAY_TOKEN)
        with book.begin() as c:
            result = service.deliver_due(c, provider, settings(), now=NOON, timezone=TZ)
    assert (result.sent, result.retrying, result.failed) == (2, 0, 0)
    first = gw.received[0]
    assert first.path == "/send" and first.headers["authorization"] == f"Bearer {GATEWAY_TOKEN}"
    body = first.json()
    assert body["to"] == "+2348030000002" and "Chidi Eze" in body["message"]
    assert body["reference"].startswith("sms-")
    rows = queued(book, status="sent")
    assert {(m.provider, m.provider_message_id) for m in rows} == {("http", "gw-777")}
    assert all(m.sent_at == NOON and m.attempts == 1 for m in rows)


def test_failing_gateway_retries_with_backoff_then_fails(book):
    with book.begin() as c:
        service.queue_overdue(c, 10, "ops", DAY)   # the one loan 30 days late
    s = settings()
    with fake_gateway(status=500, answer="gateway down") as gw:
        provider = HttpGatewayProvider(gw.url, token=GATEWAY_TOKEN)
        now = NOON
        with book.begin() as c:
            assert service.deliver_due(c, provider, s, now=now, timezone=TZ).retrying == 1
        [m] = queued(book)
        assert (m.status, m.attempts, m.last_error) == ("queued", 1,
                                                        "HTTP 500: gateway down")
        assert m.next_attempt_at == now + dt.timedelta(seconds=60)
        with book.begin() as c:   # not due yet: no second request
            assert service.deliver_due(c, provider, s, now=now + dt.timedelta(seconds=59),
                                       timezone=TZ).attempted == 0
        assert len(gw.received) == 1
        now += dt.timedelta(seconds=60)
        with book.begin() as c:
            assert service.deliver_due(c, provider, s, now=now, timezone=TZ).retrying == 1
        [m] = queued(book)
        assert m.attempts == 2 and m.next_attempt_at == now + dt.timedelta(seconds=120)
        now += dt.timedelta(seconds=120)
        with book.begin() as c:
            assert service.deliver_due(c, provider, s, now=now, timezone=TZ).failed == 1
        assert len(gw.received) == 3
    [m] = queued(book)
    assert (m.status, m.attempts, m.sent_at) == ("failed", 3, None)
    assert m.last_error == "HTTP 500: gateway down" and GATEWAY_TOKEN not in m.last_error


def test_unreachable_gateway_is_recorded(book):
    with book.begin() as c:
        service.queue_overdue(c, 10, "ops", DAY)
    with fake_gateway() as gw:
        url = gw.url
    with book.begin() as c:   # the server is gone: connection refused
        service.deliver_due(c, HttpGatewayProvider(url, timeout=2), settings(), now=NOON,
                            timezone=TZ)
    [m] = queued(book)
    assert m.status == "queued" and m.attempts == 1 and "ConnectError" in m.last_error


def test_africas_talking_request_shape(book):
    with book.begin() as c:
        service.queue_overdue(c, 10, "ops", DAY)
    answer = {"SMSMessageData": {"Message": "Sent to 1/1", "Recipients": [
        {"statusCode": 101, "number": "+2348030000002", "status": "Success",
         "messageId": "ATXid_abc", "cost": "NGN 2.20"}]}}
    with fake_gateway(status=201, answer=answer) as gw:
        provider = AfricasTalkingProvider(gw.url + "/", "sandbox", "at-key-123",
                                          sender="ASTRO")
        with book.begin() as c:
            assert service.deliver_due(c, provider, settings(), now=NOON,
                                       timezone=TZ).sent == 1
        [req] = gw.received
        assert req.path == "/version1/messaging"
        assert req.headers["apikey"] == "at-key-123"
        assert req.headers["accept"] == "application/json"
        assert req.headers["content-type"] == "application/x-www-form-urlencoded"
        form = req.form()
        assert (form["username"], form["to"], form["from"]) == \
            ("sandbox", "+2348030000002", "ASTRO")
        assert "Chidi Eze" in form["message"]
        [m] = queued(book)
        assert (m.status, m.provider, m.provider_message_id) == \
            ("sent", "africastalking", "ATXid_abc")
        # a refused recipient is an error with its status, not a sent message
        gw.answer = {"SMSMessageData": {"Message": "Sent to 0/1", "Recipients": [
            {"statusCode": 403, "number": "+2348030000001", "status": "InvalidPhoneNumber"}]}}
        with book.begin() as c:
            service.queue_reminder(c, "L-OVERDUE", "ops", DAY)
            r = service.deliver_due(c, provider, settings(), now=NOON, timezone=TZ)
    assert r.retrying == 1
    [m] = queued(book, loan_id="L-OVERDUE")
    assert m.last_error == "InvalidPhoneNumber (statusCode 403)"


def test_queue_one_reminder_for_a_loan(book):
    with book.begin() as c:
        m, added = service.queue_reminder(c, "L-CURRENT", "ada", DAY)   # not overdue: allowed
        assert added and m.status == "queued" and m.loan_id == "L-CURRENT"
        again, added_again = service.queue_reminder(c, "L-CURRENT", "ada", DAY)
        assert not added_again and again.id == m.id
        with pytest.raises(ValidationFailed, match="phone"):
            service.queue_reminder(c, "L-NOPHONE", "ada", DAY)
        with pytest.raises(ValidationFailed):
            service.queue_reminder(c, "L-CLOSED", "ada", DAY)
        out = io.StringIO()
        sent = service.deliver_due(c, ConsoleProvider(out), settings(), now=NOON, timezone=TZ,
                                   ids=[m.id])
        assert sent.sent == 1 and "L-CURRENT" in out.getvalue()
        assert service.cancel_queued(c, [m.id]) == 0   # sent stays sent
