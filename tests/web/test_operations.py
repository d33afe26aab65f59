"""The Operations pages in a real browser: sync runs (started from the page, refused while
another runs or without a source), the data-quality report, users, API tokens, holidays, wave
rules and the audit log; who may open which."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterator

import psycopg
import pytest
from playwright.sync_api import expect

from astrofinance.auth.tokens import hash_token
from astrofinance.config import Settings
from astrofinance.db import Database, session_scope
from astrofinance.ops.quality import CheckContext, configured_limits, verify
from astrofinance.sync.runner import LOCK
from tests.api.live import Api, serve
from tests.sync import source_book as sb
from tests.sync.conftest import empty_source_template, empty_source_url  # noqa: F401
from tests.web.conftest import Site

SOURCE_HOLIDAY = ("2026-07-15", "Source Retreat Day", "PUBLIC", None)


def tab_names(page) -> list[str]:
    return page.get_by_role("navigation", name="Operations").get_by_role("link").all_inner_texts()


def test_an_admin_adds_a_user_and_the_audit_log_shows_it(site, page, shot):
    site.login(page, "admin")
    page.goto(site.url("/operations/users"))
    form = page.get_by_role("form", name="Add a user")
    form.get_by_label("Username").fill("ngozi")
    form.get_by_label("Full name").fill("Ngozi Eze")
    form.get_by_label("Email").fill("ngozi@example.com")
    form.get_by_label("Role").select_option("supervisor")
    form.get_by_label("Initial password").fill("a long enough secret")
    form.get_by_role("button", name="Add user").click()
    expect(page.locator("#notice")).to_have_text("Added user ngozi (supervisor).")
    row = page.locator('#users tr[data-user="ngozi"]')
    expect(row).to_contain_text("Ngozi Eze")
    expect(row).to_contain_text("supervisor")
    expect(row).to_contain_text("never")               # has not signed in yet
    assert site.scalar("SELECT role FROM users WHERE username = 'ngozi'") == "supervisor"
    shot(page, "ops-users")

    # the same username again (in another case): the service's refusal, the input kept
    form.get_by_label("Username").fill("NGOZI")
    form.get_by_label("Full name").fill("Someone Else")
    form.get_by_label("Initial password").fill("another long secret")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        form.get_by_role("button", name="Add user").click()
    assert answer.value.status == 409
    expect(page.locator("#error")).to_have_text("Not done: user 'NGOZI' already exists")
    expect(form.get_by_label("Username")).to_have_value("NGOZI")
    expect(form.get_by_label("Full name")).to_have_value("Someone Else")
    assert site.scalar("SELECT count(*) FROM users WHERE lower(username) = 'ngozi'") == 1

    # the audit log lists the user's creation, by the admin who made it
    user_id = site.scalar("SELECT id FROM users WHERE username = 'ngozi'")
    page.goto(site.url("/operations/audit"))
    page.get_by_label("Table").select_option("users")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"/operations/audit\?table=users&limit=100$"))
    entry = page.locator("#audit tbody tr").filter(has_text="ngozi")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("INSERT")
    expect(entry).to_contain_text("admin-user")
    expect(entry.locator("td").nth(5)).to_have_text(str(user_id))
    expect(entry).to_contain_text("password_hash=***")      # masked, never the hash
    rows = site.scalar("SELECT count(*) FROM audit_logs WHERE table_name = 'users'")
    expect(page.locator("#audit tbody tr")).to_have_count(rows)
    csv = page.get_by_role("link", name="Export CSV")
    expect(csv).to_have_attribute("href", "/api/v1/audit-log?table=users&limit=100&format=csv")
    shot(page, "ops-audit")

    # her name and email corrected from her row (an email cleared is none)
    page.goto(site.url("/operations/users"))
    row = page.locator('#users tr[data-user="ngozi"]')
    row.get_by_text("Name and email").click()
    details = page.get_by_role("form", name="Name and email of ngozi")
    details.get_by_label("Full name").fill("Ngozi Okafor")
    details.get_by_label("Email").fill("")
    details.get_by_role("button", name="Save").click()
    expect(page.locator("#notice")).to_have_text("ngozi: name Ngozi Okafor, email (none).")
    assert site.scalar("SELECT full_name || '|' || coalesce(email, '-') FROM users "
                       "WHERE username = 'ngozi'") == "Ngozi Okafor|-"
    row.get_by_text("Name and email").click()
    details.get_by_label("Email").fill("ngozi.okafor@example.com")
    details.get_by_role("button", name="Save").click()
    expect(page.locator("#notice")).to_contain_text("email ngozi.okafor@example.com")


def test_role_changes_and_the_last_admin_keeps_the_role(site, page):
    site.api.user("bola", "viewer")
    site.login(page, "admin")
    page.goto(site.url("/operations/users"))
    row = page.locator('#users tr[data-user="bola"]')
    row.get_by_label("Role of bola", exact=True).select_option("analyst")
    row.get_by_role("button", name="Change the role of bola").click()
    expect(page.locator("#notice")).to_have_text("bola is now analyst.")
    assert site.scalar("SELECT role FROM users WHERE username = 'bola'") == "analyst"

    page.once("dialog", lambda d: d.accept())
    page.locator('#users tr[data-user="bola"]').get_by_role("button", name="Disable bola").click()
    expect(page.locator("#notice")).to_have_text("bola is disabled: they can no longer sign in.")
    assert site.scalar("SELECT is_active FROM users WHERE username = 'bola'") is False

    me = page.locator('#users tr[data-user="admin-user"]')
    me.get_by_label("Role of admin-user", exact=True).select_option("manager")
    me.get_by_role("button", name="Change the role of admin-user").click()
    expect(page.locator("#error")).to_contain_text("admin-user is the last active admin")
    assert site.scalar("SELECT role FROM users WHERE username = 'admin-user'") == "admin"


def test_an_admin_creates_a_token_shown_once_and_revokes_it(site, page, shot):
    site.login(page, "admin")
    page.goto(site.url("/operations/tokens"))
    expect(page.get_by_text("No API tokens.")).to_be_visible()
    form = page.get_by_role("form", name="Create an API token")
    form.get_by_label("Name").fill("nightly-report")
    form.get_by_label("Role", exact=True).select_option("analyst")
    form.get_by_role("button", name="Create token").click()
    secret = page.get_by_label("The token").input_value()
    assert secret.startswith("af_") and len(secret) > 40
    token_id = site.scalar("SELECT id FROM api_tokens WHERE token_hash = :h AND role = "
                           "'analyst' AND name = 'nightly-report'", h=hash_token(secret))
    assert token_id is not None
    row = page.locator(f'#tokens tr[data-token="{token_id}"]')
    expect(row).to_contain_text(secret[:10] + "…")
    shot(page, "ops-tokens")
    with site.api.client(secret) as api:            # the token works with its role
        assert api.get("/loans", params={"limit": 1}).status_code == 200
        assert api.get("/users").status_code == 403

    page.goto(site.url("/operations/tokens"))       # never shown again
    assert secret not in page.content()
    page.once("dialog", lambda d: d.accept())
    page.locator(f'#tokens tr[data-token="{token_id}"]').get_by_role("button",
                                                                     name="Revoke").click()
    expect(page.locator("#notice")).to_contain_text(f"Revoked token {token_id}")
    assert site.scalar("SELECT revoked_at IS NOT NULL FROM api_tokens WHERE id = :i",
                       i=token_id) is True
    expect(page.locator(f'#tokens tr[data-token="{token_id}"]')).to_have_count(0)
    with site.api.client(secret) as api:
        assert api.get("/loans").status_code == 401


def test_a_manager_sees_operations_but_not_users_or_tokens(site, page):
    site.login(page, "manager")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Operations").click()
    expect(page).to_have_url(site.url("/operations"))
    assert tab_names(page) == ["Sync", "Data quality", "Holidays", "Waves", "Audit log",
                              "SMS", "Jobs"]
    for path in ("/operations/users", "/operations/tokens"):
        answer = page.goto(site.url(path))
        assert answer is not None and answer.status == 403
        expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    form = {"username": "x", "role": "admin", "password": secrets.token_urlsafe(12)}
    assert site.post_from(page, "/operations/users", form) == 403
    assert site.scalar("SELECT count(*) FROM users WHERE username = 'x'") == 0


def test_a_loan_officer_has_no_operations(site, page):
    site.login(page, "loan_officer")
    expect(page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Operations")).to_have_count(0)
    for path in ("/operations", "/operations/holidays", "/operations/audit"):
        answer = page.goto(site.url(path))
        assert answer is not None and answer.status == 403


def test_adding_and_removing_a_holiday(site, page, shot):
    year = site.scalar("SELECT extract(year FROM current_date)::int")
    day = site.scalar("SELECT min(d)::date FROM generate_series(make_date(:y, 7, 1), "
                      "make_date(:y, 7, 31), interval '1 day') d WHERE extract(isodow FROM d) "
                      "< 6 AND d::date NOT IN (SELECT holiday_date FROM holidays)", y=year)
    site.login(page, "manager")
    page.goto(site.url("/operations/holidays"))
    expect(page.get_by_role("heading", name=f"Holidays in {year}")).to_be_visible()
    listed = site.scalar("SELECT count(*) FROM holidays WHERE extract(year FROM "
                         "holiday_date) = :y", y=year)
    expect(page.locator("#holidays tbody tr")).to_have_count(listed)

    form = page.get_by_role("form", name="Add a holiday")
    form.get_by_label("Date").fill(day.isoformat())
    form.get_by_label("Name").fill("Company retreat")
    form.get_by_role("button", name="Add holiday").click()
    expect(page.locator("#notice")).to_contain_text(
        f"Added the holiday on {day.day} {day:%b %Y} (Company retreat).")
    expect(page.locator("#notice")).to_contain_text("stale until the next recalculation")
    expect(page.locator(f'#holidays tr[data-date="{day.isoformat()}"]')).to_contain_text(
        "Company retreat")
    assert site.scalar("SELECT name FROM holidays WHERE holiday_date = :d AND source = "
                       "'manual'", d=day) == "Company retreat"
    assert site.scalar("SELECT is_business_day FROM business_calendar WHERE day = :d",
                       d=day) is False
    shot(page, "ops-holidays")

    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name=f"Remove the holiday on {day.day} {day:%b %Y}").click()
    expect(page.locator("#notice")).to_contain_text(f"Removed the holiday on {day.day} {day:%b %Y}")
    assert site.scalar("SELECT count(*) FROM holidays WHERE holiday_date = :d", d=day) == 0
    expect(page.locator(f'#holidays tr[data-date="{day.isoformat()}"]')).to_have_count(0)

    # a holiday outside the business calendar: the service's refusal, the input kept
    form.get_by_label("Date").fill("1980-01-02")
    form.get_by_label("Name").fill("Too early")
    form.get_by_role("button", name="Add holiday").click()
    expect(page.locator("#error")).to_contain_text("outside the business calendar")
    expect(form.get_by_label("Name")).to_have_value("Too early")


def test_a_wave_rule_added_on_the_page_reassigns_the_loans(site, page, shot):
    since = site.scalar("SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY "
                        "disbursement_date) FROM loans")
    site.login(page, "manager")
    page.goto(site.url("/operations/waves"))
    form = page.get_by_role("form", name="Add a wave rule")
    form.get_by_label("Wave").fill("banana")
    form.get_by_label("Priority").fill("5")
    form.get_by_role("button", name="Add rule").click()
    expect(page.locator("#error")).to_contain_text("'banana' is not a wave")
    expect(form.get_by_label("Priority")).to_have_value("5")

    form.get_by_label("Wave").fill("3")
    form.get_by_label("Disbursed on or after").fill(since.isoformat())
    form.get_by_label("Description").fill("the second half")
    form.get_by_role("button", name="Add rule").click()
    expect(page.locator("#notice")).to_contain_text("Wave 3 when disbursed on or after")
    expected = site.scalar("SELECT count(*) FROM loans WHERE disbursement_date >= :d",
                           d=since)
    assert site.scalar("SELECT count(*) FROM loans WHERE wave = 'Wave 3'") == expected > 0
    expect(page.locator("#wave-counts tr").filter(has_text="Wave 3")).to_contain_text(
        f"{expected:,}")
    shot(page, "ops-waves")

    rule = site.scalar("SELECT id FROM wave_rules WHERE wave = 'Wave 3'")
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name=f"Disable rule {rule}").click()
    expect(page.locator("#notice")).to_contain_text(f"Rule {rule} (Wave 3")
    assert site.scalar("SELECT count(*) FROM loans WHERE wave = 'Wave 3'") == 0


def test_the_data_quality_report_is_verify(site, page, shot):
    site.login(page, "manager")
    page.goto(site.url("/operations/data-quality"))
    with session_scope(site.db) as conn:
        report = verify(conn, limits=configured_limits(), ctx=CheckContext(details_limit=10))
    expect(page.locator('#quality-summary [data-key="total_loans"]')).to_have_text(
        f"{report.summary['total_loans']:,}")
    for r in report.results:
        row = page.locator(f'#checks tr[data-check="{r.name}"]')
        expect(row.locator("td").nth(2)).to_have_text("—" if r.count is None
                                                      else f"{r.count:,}")
        expect(row.locator("td").nth(4)).to_have_text(
            {"PASS": "pass", "FAIL": "fail", "SKIP": "skipped"}[r.status])
    verdict = "All checks passed." if report.passed else "Failed: " + ", ".join(report.failed)
    expect(page.locator("#verdict")).to_have_text(verdict)
    shot(page, "ops-data-quality")


def test_starting_a_sync_without_a_source_shows_the_refusal(site, page):
    site.login(page, "manager")
    page.goto(site.url("/operations"))
    expect(page.get_by_text("No source database is configured")).to_be_visible()
    page.get_by_role("button", name="Start a sync").click()
    expect(page.locator("#sync-error")).to_have_text(
        "Not started: no source database is configured: the operator sets "
        "SOURCE_DATABASE_URL (environment or .env) on the server")
    assert site.scalar("SELECT count(*) FROM sync_runs") == 0


@pytest.fixture
def synced_site(book_db: Database, empty_source_url: str) -> Iterator[Site]:  # noqa: F811
    """The dashboard over the book, configured with a reference source holding a holiday."""
    sb.fill(empty_source_url, [], [], [SOURCE_HOLIDAY])
    with serve(book_db, Settings(SOURCE_DATABASE_URL=empty_source_url)) as url:
        api = Api(url, book_db)
        yield Site(url, book_db, api)
        api.close()


def test_a_sync_started_on_the_page_runs_to_the_end_one_at_a_time(synced_site, page, shot):
    site = synced_site
    site.login(page, "manager")
    page.goto(site.url("/operations"))
    page.get_by_label("What to sync").select_option("holidays")
    url = site.db.url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as other:     # another process is syncing
        other.execute("SELECT pg_advisory_lock(hashtext(%s))", [LOCK])
        busy = other.execute("INSERT INTO sync_runs (command, source, pid) VALUES "
                             "('full', 'elsewhere', 1) RETURNING id").fetchone()[0]
        page.get_by_role("button", name="Start a sync").click()
        expect(page.locator("#sync-error")).to_contain_text(
            f"another sync is running (run {busy}")
    assert site.scalar("SELECT count(*) FROM sync_runs") == 1

    page.get_by_role("button", name="Start a sync").click()
    expect(page.locator("#sync-started")).to_contain_text("(holidays) started")
    run_id = site.scalar("SELECT max(id) FROM sync_runs")
    row = page.locator(f'#runs tr[data-run="{run_id}"]')
    expect(row).to_contain_text("succeeded", timeout=60_000)     # the list follows the run
    assert site.scalar("SELECT status FROM sync_runs WHERE id = :i", i=run_id) == "succeeded"
    assert site.scalar("SELECT changed_by FROM audit_logs WHERE table_name = 'holidays' "
                       "ORDER BY id DESC LIMIT 1") == "manager-user"
    assert site.scalar("SELECT name FROM holidays WHERE holiday_date = :d",
                       d=dt.date.fromisoformat(SOURCE_HOLIDAY[0])) == SOURCE_HOLIDAY[1]
    expect(page.locator("#sync-running")).to_have_count(0)
    polled = page.request.get(site.url("/operations/sync-runs"))    # what the list polls
    assert polled.status == 200 and f'data-run="{run_id}"' in polled.text()
    expect(page.locator("#entities")).to_contain_text("holidays")
    page.reload()
    expect(page.locator(f'#runs tr[data-run="{busy}"]')).to_contain_text("interrupted")
    recalcs = site.scalar("SELECT count(*) FROM recalculation_runs")
    expect(page.locator("#recalculations tbody tr")).to_have_count(min(recalcs, 5))
    shot(page, "operations")
