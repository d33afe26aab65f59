"""SMS on the web in a real browser (with the browser fixtures of tests/web; the SMS service,
CLI and gateway tests are in tests/sms): a loan page's "Send a reminder" (console provider) and
its history row; Operations → SMS: queue the overdue reminders, preview a template against a
loan, send the queue; quiet hours keep a reminder queued."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from astrofinance.db import Database
from tests.api.live import Api, serve
from tests.web.conftest import Site


@pytest.fixture
def site(book_db: Database, monkeypatch) -> Iterator[Site]:
    monkeypatch.setenv("ASTROFINANCE_SMS_PROVIDER", "console")
    monkeypatch.setenv("ASTROFINANCE_SMS_QUIET_START", "00:00")   # no quiet hours, unless a
    monkeypatch.setenv("ASTROFINANCE_SMS_QUIET_END", "00:00")     # test sets them
    with serve(book_db) as url:
        api = Api(url, book_db)
        yield Site(url, book_db, api)
        api.close()


def overdue_loan(site: Site) -> tuple[str, str]:
    loan_id, phone = site.column(
        "SELECT l.loan_id || '|' || c.phone FROM loans l JOIN customers c USING (customer_id) "
        "WHERE l.status = 'Active' AND l.current_dpd > 0 AND c.phone IS NOT NULL "
        "ORDER BY l.current_dpd DESC, l.loan_id LIMIT 1")[0].split("|")
    return loan_id, phone


def test_send_a_reminder_from_the_loan_page(site, page):
    loan_id, phone = overdue_loan(site)
    site.login(page, "manager")
    page.goto(site.url(f"/loans/{loan_id}"))
    expect(page.get_by_text("No SMS messages yet.")).to_be_visible()
    page.get_by_role("button", name="Send a reminder").click()
    expect(page.get_by_role("status").first).to_have_text(f"Reminder sent to {phone}.")
    row = page.locator("#sms-history tbody tr")
    expect(row).to_have_count(1)
    expect(row.first).to_contain_text("sent")
    expect(row.first).to_contain_text("manager-user")
    assert site.column("SELECT status || ' ' || provider || ' ' || created_by FROM "
                       "sms_histories WHERE loan_id = :l", l=loan_id) == \
        ["sent console manager-user"]
    page.get_by_role("button", name="Send a reminder").click()   # once a day
    expect(page.get_by_role("status").first).to_contain_text("already sent today")
    assert site.scalar("SELECT count(*) FROM sms_histories") == 1


def test_quiet_hours_keep_the_reminder_queued(site, page, monkeypatch):
    loan_id, _ = overdue_loan(site)
    monkeypatch.setenv("ASTROFINANCE_SMS_QUIET_END", "23:59:59")   # quiet (almost) all day
    site.login(page, "manager")
    page.goto(site.url(f"/loans/{loan_id}"))
    page.get_by_role("button", name="Send a reminder").click()
    expect(page.get_by_role("status").first).to_contain_text("Quiet hours: the reminder is "
                                                             "queued")
    expect(page.locator("#sms-history tbody tr").first).to_contain_text("queued")
    assert site.column("SELECT status FROM sms_histories") == ["queued"]


def test_operations_sms_queue_preview_and_send(site, page, shot):
    loan_id, phone = overdue_loan(site)
    expected = site.scalar(
        "SELECT count(*) FROM loans l JOIN customers c USING (customer_id) "
        "WHERE l.status IN ('Active', 'Defaulted') AND l.current_dpd >= 3 "
        "AND nullif(btrim(c.phone), '') IS NOT NULL")
    assert expected > 0
    site.login(page, "manager")
    page.goto(site.url("/operations"))
    page.get_by_role("navigation", name="Operations").get_by_role("link", name="SMS").click()
    expect(page).to_have_url(site.url("/operations/sms"))
    queue = page.get_by_role("form", name="Queue overdue reminders")
    queue.get_by_label("Days past due (at least)").fill("3")
    queue.get_by_role("button", name="Queue reminders").click()
    expect(page.locator("#notice")).to_contain_text(f"Queued {expected} reminder(s)")
    assert site.scalar("SELECT count(*) FROM sms_histories WHERE status = 'queued'") == expected
    template = page.get_by_role("form", name="Template overdue")
    template.get_by_label("Preview with loan").fill(loan_id)
    template.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview")).to_contain_text(phone)
    expect(page.locator("#preview")).to_contain_text(loan_id)
    assert site.scalar("SELECT count(*) FROM sms_histories") == expected   # a preview writes
    page.get_by_role("button", name="Send queued now").click()
    expect(page.locator("#notice")).to_have_text(f"Sent {expected} message(s); 0 to retry "
                                                 "later, 0 failed.")
    page.get_by_role("form", name="History filters").get_by_label("Loan").fill(loan_id)
    page.get_by_role("form", name="History filters").get_by_role("button",
                                                                 name="Filter").click()
    expect(page.locator("#sms-history tbody tr")).to_have_count(1)
    expect(page.locator("#sms-history tbody tr").first).to_contain_text("sent")
    page.goto(site.url("/operations/sms"))
    shot(page, "ops-sms")
    bad = page.get_by_role("form", name="Template overdue")
    bad.get_by_label("Text").fill("Pay {balance}")
    bad.get_by_role("button", name="Save").click()
    expect(page.locator("#error")).to_contain_text(re.compile(r"unknown placeholder"))


def test_a_viewer_cannot_send_or_open_the_sms_tab(site, page):
    loan_id, _ = overdue_loan(site)
    site.login(page, "viewer")
    page.goto(site.url(f"/loans/{loan_id}"))
    expect(page.get_by_role("button", name="Send a reminder")).to_have_count(0)
    response = page.goto(site.url("/operations/sms"))
    assert response is not None and response.status == 403


def test_a_loan_officer_reminds_only_their_own_customers(site, page):
    officer, email = site.column(
        "SELECT o.officer_id || '|' || o.email FROM officers o WHERE o.email IS NOT NULL "
        "AND EXISTS (SELECT 1 FROM loans l JOIN customers c USING (customer_id) "
        "WHERE l.officer_id = o.officer_id AND l.status = 'Active' AND c.phone IS NOT NULL) "
        "ORDER BY o.officer_id LIMIT 1")[0].split("|")
    mine = site.scalar("SELECT min(l.loan_id) FROM loans l JOIN customers c "
                       "USING (customer_id) WHERE l.officer_id = :o AND l.status = 'Active' "
                       "AND c.phone IS NOT NULL", o=officer)
    other = site.scalar("SELECT min(loan_id) FROM loans WHERE officer_id <> :o "
                        "AND status = 'Active'", o=officer)
    site.login(page, "loan_officer", username="lo", email=email)
    page.goto(site.url(f"/loans/{mine}"))
    page.get_by_role("button", name="Send a reminder").click()
    expect(page.get_by_role("status").first).to_contain_text("Reminder sent to")
    assert site.post_from(page, f"/loans/{other}/sms") == 404
    assert site.column("SELECT loan_id FROM sms_histories") == [mine]


def test_operations_sms_cancels_one_queued_message_or_all(site, page):
    site.login(page, "manager")
    page.goto(site.url("/operations/sms"))
    page.get_by_role("form", name="Queue overdue reminders").get_by_label(
        "Days past due (at least)").fill("1")
    page.get_by_role("button", name="Queue reminders").click()
    queued = site.scalar("SELECT count(*) FROM sms_histories WHERE status = 'queued'")
    assert queued >= 2
    first = site.scalar("SELECT max(id) FROM sms_histories WHERE status = 'queued'")
    page.get_by_role("form", name=f"Cancel message {first}").get_by_role(
        "button", name="Cancel").click()
    expect(page.locator("#notice")).to_have_text(f"Cancelled message {first}.")
    assert site.scalar(f"SELECT status FROM sms_histories WHERE id = {first}") == "cancelled"
    expect(page.get_by_role("form", name=f"Cancel message {first}")).to_have_count(0)
    page.once("dialog", lambda d: d.accept())        # it asks first
    page.get_by_role("button", name="Cancel all queued").click()
    expect(page.locator("#notice")).to_have_text(f"Cancelled {queued - 1} queued message(s).")
    assert site.scalar("SELECT count(*) FROM sms_histories WHERE status = 'queued'") == 0
    assert site.scalar("SELECT count(*) FROM sms_histories "
                       "WHERE status = 'cancelled'") == queued
    page.get_by_role("button", name="Send queued now").click()
    expect(page.locator("#notice")).to_have_text("Sent 0 message(s); 0 to retry later, "
                                                 "0 failed.")
