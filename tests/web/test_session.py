"""Signing in and out of the dashboard in a real browser."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.api.live import PASSWORD


def test_login_lands_on_the_page_asked_for_and_logout_ends_the_session(site, page, shot):
    page.goto(site.url("/loans?dpd_min=1"))
    expect(page).to_have_url(re.compile(r"/login\?next=%2Floans%3Fdpd_min%3D1$"))
    shot(page, "login")
    site.api.user("ana", "analyst")
    page.get_by_label("Username").fill("ana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/loans\?dpd_min=1$"))
    expect(page.get_by_role("heading", name="All Loans")).to_be_visible()
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["af_session"]["httpOnly"] is True
    assert site.scalar("SELECT count(*) FROM api_tokens WHERE kind = 'session' "
                       "AND revoked_at IS NULL") == 1

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login\?bye=1$"))
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    assert site.scalar("SELECT count(*) FROM api_tokens WHERE kind = 'session' "
                       "AND revoked_at IS NULL") == 0
    page.goto(site.url("/loans"))            # the old session no longer opens pages
    expect(page).to_have_url(re.compile(r"/login\?next=%2Floans$"))


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(site, page):
    site.api.user("ana", "analyst")
    page.goto(site.url("/login"))
    page.get_by_label("Username").fill("ana")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Wrong username or password, or the user is disabled.")
    expect(page.get_by_label("Username")).to_have_value("ana")
    assert not any(c["name"] == "af_session" for c in page.context.cookies())


def test_a_write_without_the_csrf_token_is_refused(site, page):
    site.login(page, "manager")
    status = page.evaluate("""async () => (await fetch('/loans/refresh-fields',
        {method: 'POST'})).status""")
    assert status == 403


def test_next_never_leaves_the_site(site, page):
    site.api.user("ana", "analyst")
    page.goto(site.url("/login?next=//evil.example/x"))
    page.get_by_label("Username").fill("ana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(site.url("/"))


def test_a_sign_in_posted_from_another_site_is_refused(site):
    import httpx

    site.api.user("ana", "analyst")
    form = {"username": "ana", "password": PASSWORD}
    with httpx.Client(base_url=site.base_url) as client:
        r = client.post("/login", data=form, headers={"Origin": "https://evil.example"})
        assert r.status_code == 403 and "af_session" not in r.cookies
        r = client.post("/login", data=form, headers={"Origin": site.base_url})
        assert r.status_code == 303 and "af_session" in r.cookies


def test_cookies_are_secure_behind_a_tls_proxy(book_db, monkeypatch):
    import httpx

    from astrofinance.config import get_settings, reset_settings
    from tests.api.live import Api, serve

    monkeypatch.setenv("ASTROFINANCE_SECURE_COOKIES", "true")
    reset_settings()
    with serve(book_db, get_settings()) as url:
        Api(url, book_db).user("ana", "analyst")
        r = httpx.post(url + "/login", data={"username": "ana", "password": PASSWORD})
    reset_settings()
    cookies = r.headers.get_list("set-cookie")
    assert len(cookies) == 2 and all("Secure" in c for c in cookies)
