"""The overview's figures against the portfolio metrics; a loan officer's dashboard holds only
their own loans and no admin pages; every page route needs a signed-in user."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from playwright.sync_api import expect

from astrofinance.api import create_app
from astrofinance.db import session_scope
from astrofinance.metrics.portfolio import PortfolioFilters, portfolio_metrics
from astrofinance.web.auth import Needs, web_user
from astrofinance.web.render import naira, rate

PUBLIC = {("GET", "/login"), ("POST", "/login"),
          # Prometheus: its own guard (an address allow-list or a token with a permission),
          # held by tests/ops/test_monitoring.py
          ("GET", "/metrics")}


def test_the_overview_shows_the_portfolio_metrics(site, page, shot):
    site.login(page, "analyst")
    with session_scope(site.db) as conn:
        k = portfolio_metrics(conn).total
    expect(page.locator("#kpi-loans .value")).to_have_text(f"{k.loans_on_books:,}")
    expect(page.locator("#kpi-glp .value")).to_have_text(naira(k.gross_loan_portfolio, 0))
    expect(page.locator("#kpi-par30 .value")).to_have_text(rate(k.par(30)))
    expect(page.locator("#kpi-fimr .value")).to_have_text(rate(k.fimr_rate))
    expect(page.locator("#kpi-ei .value")).to_have_text(rate(k.early_indicator_rate))
    for chart in ("c-trend", "c-cbn", "c-waves"):   # drawn by Chart.js from the page's data
        expect(page.locator(f"#{chart}")).to_be_visible()
        assert page.evaluate(f"!!document.getElementById('{chart}')._chart")
    shot(page, "overview")


def test_overview_filters_stay_in_the_url(site, page):
    site.login(page, "analyst")
    branch = site.scalar("SELECT min(branch) FROM officers")
    page.get_by_role("form", name="Filters").get_by_label("Branch").select_option(branch)
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"\?branch=" + re.escape(branch.replace(" ", "+"))
                                        + "$"))
    with session_scope(site.db) as conn:
        k = portfolio_metrics(conn, filters=PortfolioFilters(branch=(branch,))).total
    expect(page.locator("#kpi-glp .value")).to_have_text(naira(k.gross_loan_portfolio, 0))
    page.reload()             # a bookmarked view shows the same figures
    expect(page.locator("#kpi-glp .value")).to_have_text(naira(k.gross_loan_portfolio, 0))


def test_a_loan_officer_sees_only_their_loans_and_no_admin_pages(site, page, shot):
    officer, email = site.column("SELECT officer_id || '|' || email FROM officers o WHERE "
                                 "email IS NOT NULL AND EXISTS (SELECT 1 FROM loans l WHERE "
                                 "l.officer_id = o.officer_id) ORDER BY officer_id LIMIT 1"
                                 )[0].split("|")
    site.login(page, "loan_officer", username="lo", email=email)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Operations")).to_have_count(0)
    mine = site.column("SELECT loan_id FROM loans WHERE officer_id = :o ORDER BY loan_id",
                       o=officer)
    with session_scope(site.db) as conn:
        k = portfolio_metrics(conn, filters=PortfolioFilters(scope=(officer,))).total
    expect(page.locator("#kpi-glp .value")).to_have_text(naira(k.gross_loan_portfolio, 0))
    page.goto(site.url("/loans?limit=500"))
    shown = page.locator("#loans-table tbody td[data-col=loan_id]").all_inner_texts()
    assert shown == mine
    other = site.scalar("SELECT min(loan_id) FROM loans WHERE officer_id <> :o", o=officer)
    response = page.goto(site.url(f"/loans/{other}"))
    assert response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    response = page.goto(site.url("/operations"))
    assert response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    shot(page, "loan-officer-forbidden")


def _walk(routes: list[Any], prefix: str = "") -> list[tuple[str, APIRoute]]:
    """(path, route) of every APIRoute, through included routers (FastAPI keeps them
    nested, each with its include's prefix)."""
    out: list[tuple[str, APIRoute]] = []
    for route in routes:
        if isinstance(route, APIRoute):
            out.append((prefix + route.path, route))
        elif hasattr(route, "original_router"):
            out.extend(_walk(route.original_router.routes,
                             prefix + route.include_context.prefix))
    return out


def _page_routes(db) -> list[tuple[str, str, bool]]:
    """Every route of the app that is not the API's (which tests/api/test_route_guards.py
    holds), read from the app itself so a page added any way is checked."""
    out = []
    for path, route in _walk(create_app(db).routes):
        if path.startswith(("/api/", "/docs", "/openapi")):
            continue
        calls, todo = [], list(route.dependant.dependencies)
        while todo:
            d = todo.pop()
            calls.append(d.call)
            todo.extend(d.dependencies)
        guarded = web_user in calls or any(isinstance(c, Needs) for c in calls)
        out.extend((m, path, guarded) for m in route.methods)
    return out


def test_every_page_but_the_login_needs_a_signed_in_user(site):
    routes = _page_routes(site.db)
    assert len(routes) > 10
    unguarded = [(m, p) for m, p, guarded in routes if not guarded and (m, p) not in PUBLIC]
    assert unguarded == []
    with httpx.Client(base_url=site.base_url, follow_redirects=False) as client:
        for method, path, _ in routes:
            if (method, path) in PUBLIC:
                continue
            url = re.sub(r"\{[^}]+\}", "x", path)
            r = client.request(method, url)
            if method == "GET":
                assert r.status_code == 303, (method, path, r.status_code)
                assert r.headers["location"].startswith("/login")
            else:        # a write without a session or CSRF token never reaches the page
                assert r.status_code in (303, 403), (method, path, r.status_code)


@pytest.mark.parametrize("path", ["/static/app.css", "/static/vendor/htmx.min.js",
                                  "/static/vendor/chart.umd.min.js"])
def test_static_files_are_served(site, path):
    assert httpx.get(site.url(path)).status_code == 200
