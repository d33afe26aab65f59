"""The Officers pages in a real browser: the performance table against the officer rollup
(rows, money, sorting, a filter, CSV), an officer's page against the officer's metrics and
riskiest loans, and a loan officer's scope."""

from __future__ import annotations

import csv
import io
import re
from typing import Any
from urllib.parse import quote_plus

from playwright.sync_api import expect

from astrofinance.config import get_settings
from astrofinance.db import session_scope
from astrofinance.metrics.officers import (
    OfficerFilters,
    officer_detail,
    officer_rollup,
    top_risk_loans,
)
from astrofinance.web.render import naira, number, rate


def rollup(site: Any, **kwargs: Any) -> list[dict[str, Any]]:
    """The officers the service lists for an unscoped caller (an analyst)."""
    sort = kwargs.pop("sort", "name")
    order = kwargs.pop("order", "asc")
    with session_scope(site.db) as conn:
        return officer_rollup(conn, OfficerFilters(**kwargs), sort=sort, order=order).items


def shown_ids(page: Any) -> list[str]:
    return page.locator("#officers-table tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.officer)")


def test_the_table_lists_the_services_officers_with_their_figures_and_csv(site, page, shot):
    site.login(page, "analyst")
    items = rollup(site)
    assert 1 < len(items) <= 50            # one page of the default size
    page.goto(site.url("/officers"))
    expect(page.get_by_role("heading", name="Officers", exact=True)).to_be_visible()
    expect(page.locator("#officers-table tbody tr")).to_have_count(len(items))
    assert shown_ids(page) == [o["officer_id"] for o in items]      # sorted by name

    o = max(items, key=lambda i: i["gross_loan_portfolio"])
    row = page.locator(f'#officers-table tr[data-officer="{o["officer_id"]}"]')
    expect(row.locator('[data-col="gross_loan_portfolio"]')).to_have_text(
        naira(o["gross_loan_portfolio"], 0))
    expect(row.locator('[data-col="loans_on_books"]')).to_have_text(number(o["loans_on_books"]))
    expect(row.locator('[data-col="par30"]')).to_have_text(rate(o["par30"]))
    expect(row.locator('[data-col="risk_band"]')).to_have_text(o["risk_band"] or "—")
    expect(page.locator("#band-legend")).to_contain_text("PAR30 above 10%")
    shot(page, "officers")

    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Export CSV")).click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
    assert [r["officer_id"] for r in rows] == [i["officer_id"] for i in items]

    row.get_by_role("link", name=o["name"]).click()
    expect(page).to_have_url(site.url(f"/officers/{o['officer_id']}"))


def test_sorting_by_par30_and_filtering_by_branch(site, page):
    site.login(page, "analyst")
    page.goto(site.url("/officers"))
    header = page.locator('#officers-table th[data-col="par30"]')
    header.get_by_role("link").click()                      # ascending first
    expect(header).to_have_attribute("aria-sort", "ascending")
    page.locator('#officers-table th[data-col="par30"]').get_by_role("link").click()
    expect(page.locator('#officers-table th[data-col="par30"]')).to_have_attribute(
        "aria-sort", "descending")
    by_par30 = rollup(site, sort="par30", order="desc")
    assert shown_ids(page) == [o["officer_id"] for o in by_par30]
    top = by_par30[0]
    assert top["par30"] == max(o["par30"] for o in by_par30 if o["par30"] is not None)

    branch = top["branch"]
    page.get_by_label("Branch").select_option(branch)
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(re.escape(f"branch={quote_plus(branch)}")))
    in_branch = rollup(site, branch=(branch,), sort="par30", order="desc")
    assert 0 < len(in_branch) < len(by_par30)
    expect(page.locator("#officers-table tbody tr")).to_have_count(len(in_branch))
    assert shown_ids(page) == [o["officer_id"] for o in in_branch]
    for cell in page.locator('#officers-table tbody [data-col="branch"]').all_text_contents():
        assert cell.strip() == branch
    expect(page.locator('#officers-table th[data-col="par30"]')).to_have_attribute(
        "aria-sort", "descending")                           # the sort survives the filter


def test_an_officers_page_shows_their_metrics_trend_and_riskiest_loans(site, page, shot):
    site.login(page, "analyst")
    o = max(rollup(site), key=lambda i: i["loans_on_books"])
    oid = o["officer_id"]
    with session_scope(site.db) as conn:
        detail = officer_detail(conn, oid, None).total
        risky = top_risk_loans(conn, oid, None, 10, get_settings().today())
    page.goto(site.url(f"/officers/{oid}"))
    expect(page.get_by_role("heading", name=re.compile(re.escape(detail["name"])))).to_be_visible()
    expect(page.locator("#kpi-loans-on-books .value")).to_have_text(
        number(detail["loans_on_books"]))
    expect(page.locator("#kpi-gross-loan-portfolio .value")).to_have_text(
        naira(detail["gross_loan_portfolio"], 0))
    expect(page.get_by_text(detail["email"], exact=True)).to_be_visible()
    assert risky
    loan_links = page.locator("#top-risk tbody th a")
    expect(loan_links).to_have_count(len(risky))
    assert loan_links.all_text_contents() == [r["loan_id"] for r in risky]
    expect(page.locator("#c-officer-trend")).to_be_visible()          # the recalculation's snapshot
    total_loans = site.scalar("SELECT count(*) FROM loans WHERE officer_id = :o", o=oid)
    link = page.locator("#officer-loans")
    expect(link).to_contain_text(f"All {number(total_loans)} loans")
    shot(page, "officer")

    loan_links.first.click()
    expect(page).to_have_url(site.url(f"/loans/{risky[0]['loan_id']}"))
    page.go_back()
    page.locator("#officer-loans").click()
    expect(page).to_have_url(site.url(f"/loans?officer_id={oid}"))
    expect(page.locator("#kpi-loans .value")).to_have_text(number(total_loans))


def test_a_loan_officer_sees_only_themself(site, page):
    officers = rollup(site)
    me = next(o for o in officers if o["email"] and o["loans_on_books"])
    other = next(o for o in officers if o is not me)
    site.login(page, "loan_officer", email=me["email"])
    page.goto(site.url("/officers"))
    assert shown_ids(page) == [me["officer_id"]]
    row = page.locator(f'#officers-table tr[data-officer="{me["officer_id"]}"]')
    expect(row.locator('[data-col="gross_loan_portfolio"]')).to_have_text(
        naira(me["gross_loan_portfolio"], 0))
    expect(page.locator('#officers-total [data-col="gross_loan_portfolio"]')).to_have_text(
        naira(me["gross_loan_portfolio"], 0))           # the totals are theirs alone too

    response = page.goto(site.url(f"/officers/{other['officer_id']}"))
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.get_by_text(other["name"])).to_have_count(0)
    assert page.goto(site.url(f"/officers/{me['officer_id']}")).status == 200
