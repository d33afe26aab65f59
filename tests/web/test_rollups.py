"""The Branches and Vertical leads roll-ups in a real browser, against group_rollup: rows,
totals, sorting, CSV and the links to the loans and officers of a row."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from playwright.sync_api import expect

from astrofinance.db import session_scope
from astrofinance.metrics.officers import group_rollup
from astrofinance.metrics.portfolio import PortfolioFilters
from astrofinance.web.render import naira, number, rate


def rollup(site: Any, group_by: str, sort: str = "name", order: str = "asc") -> Any:
    with session_scope(site.db) as conn:
        return group_rollup(conn, group_by, PortfolioFilters(), sort=sort, order=order)


def groups(page: Any) -> list[str]:
    return page.locator("#rollup-table tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.group)")


def test_branches_show_group_rollups_rows_and_totals(site, page, shot):
    site.login(page, "analyst")
    r = rollup(site, "branch")
    page.goto(site.url("/branches"))
    expect(page.get_by_role("heading", name="Branches")).to_be_visible()
    expect(page.locator("#rollup-table tbody tr")).to_have_count(len(r.items))
    assert groups(page) == [i["branch"] or "" for i in r.items]
    total = page.locator("#rollup-total")
    expect(total.locator('[data-col="loans_on_books"]')).to_have_text(
        number(r.total["loans_on_books"]))
    expect(total.locator('[data-col="gross_loan_portfolio"]')).to_have_text(
        naira(r.total["gross_loan_portfolio"], 0))
    expect(total.locator('[data-col="par30"]')).to_have_text(rate(r.total["par30"]))
    expect(total.locator('[data-col="officers"]')).to_have_text(number(r.total["officers"]))
    expect(total.locator('[data-col="collection_rate"]')).to_have_text(
        rate(r.total["collection_rate"]))
    shot(page, "branches")

    page.locator('#rollup-table th[data-col="gross_loan_portfolio"] a').click()
    page.locator('#rollup-table th[data-col="gross_loan_portfolio"] a').click()
    expect(page.locator('#rollup-table th[data-col="gross_loan_portfolio"]')).to_have_attribute(
        "aria-sort", "descending")
    by_glp = rollup(site, "branch", "gross_loan_portfolio", "desc")
    assert groups(page) == [i["branch"] or "" for i in by_glp.items]

    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Export CSV")).click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
    assert [r["branch"] for r in rows] == [i["branch"] or "" for i in by_glp.items]

    top = by_glp.items[0]
    page.get_by_role("link", name=f"Officers of {top['branch']}").click()
    expect(page).to_have_url(re.compile(r"/officers\?branch="))
    for cell in page.locator('#officers-table tbody [data-col="branch"]').all_text_contents():
        assert cell.strip() == top["branch"]
    page.go_back()
    page.get_by_role("link", name=f"Loans of {top['branch']}").click()
    expect(page.locator("#kpi-loans .value")).to_have_text(number(site.scalar(
        "SELECT count(*) FROM loans WHERE branch = :b", b=top["branch"])))


def test_vertical_leads_link_to_their_officers(site, page, shot):
    site.login(page, "analyst")
    r = rollup(site, "vertical_lead")
    page.goto(site.url("/vertical-leads"))
    expect(page.get_by_role("heading", name="Vertical leads")).to_be_visible()
    assert groups(page) == [i["vertical_lead_email"] or "" for i in r.items]
    expect(page.locator('#rollup-total [data-col="gross_loan_portfolio"]')).to_have_text(
        naira(r.total["gross_loan_portfolio"], 0))
    shot(page, "vertical-leads")

    lead = max(r.items, key=lambda i: i["officers"])
    page.get_by_role("link", name=f"Officers of {lead['vertical_lead_name']}").click()
    expect(page).to_have_url(re.compile(r"/officers\?vertical_lead="))
    officers = site.column("SELECT officer_id FROM officers WHERE lower(vertical_lead_email) = "
                           ":e", e=lead["vertical_lead_email"])
    shown = page.locator("#officers-table tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.officer)")
    assert shown and set(shown) <= set(officers)
    expect(page.get_by_label("Vertical lead")).to_have_value(lead["vertical_lead_email"])
