"""The FIMR and early-indicator drill-downs in a real browser: the summary is the portfolio
metrics', the list holds exactly the loans the summary counts, filters narrow it, the CSV link
downloads exactly the listed loans, and a loan officer sees only their own."""

from __future__ import annotations

import csv
import re
from typing import Any

from playwright.sync_api import expect

from astrofinance.db import session_scope
from astrofinance.metrics.portfolio import PortfolioFilters, portfolio_metrics
from astrofinance.web.render import number, rate

FIMR_LOANS = """SELECT loan_id FROM loans
    WHERE fimr_tagged AND fimr_eligible AND status NOT IN ('Pending', 'Cancelled')
      AND disbursement_date <= fields_as_of {more} ORDER BY loan_id"""
EARLY_LOANS = """SELECT loan_id FROM loans
    WHERE current_dpd BETWEEN 1 AND 6 AND disbursement_date <= fields_as_of
      AND (status IN ('Active', 'Defaulted') OR (status = 'Closed' AND closed_on > fields_as_of)
           OR (status = 'Written Off' AND written_off_on > fields_as_of)) {more}
    ORDER BY loan_id"""


def rows(page: Any, table: str) -> list[list[str]]:
    """The text of each body row's cells."""
    return page.eval_on_selector_all(
        f"#{table} tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))")


def column(page: Any, table: str, label: str) -> list[str]:
    """One column of a table, found by its header's text."""
    heads = page.eval_on_selector_all(f"#{table} thead th",
                                      "hs => hs.map(h => h.innerText.replace(/[▲▼]/g, '').trim())")
    if not heads:                                      # no table: an empty list
        return []
    i = heads.index(label)
    return [r[i] for r in rows(page, table)]


def metrics(site: Any, group_by: str | None = None, **filters: Any) -> Any:
    with session_scope(site.db) as conn:
        return portfolio_metrics(conn, filters=PortfolioFilters(**filters), group_by=group_by)


def kpi(page: Any, key: str) -> Any:
    return page.locator(f"#kpi-{key} .value")


def summary_shown(page: Any, value: Any, tagged: int, base: int | None = None) -> None:
    """The KPI tiles show this rate and counts (the portfolio metrics', formatted)."""
    expect(kpi(page, "rate")).to_have_text(rate(value))
    expect(kpi(page, "tagged")).to_have_text(number(tagged))
    if base is not None:
        expect(kpi(page, "base")).to_have_text(number(base))


def busiest_officer(site: Any, sql: str) -> dict[str, Any]:
    """The officer (with an email, to sign in as) holding the most loans of a list."""
    oid = site.scalar(f"SELECT o.officer_id FROM officers o JOIN ({sql.format(more='')}) x "
                      "ON true JOIN loans l ON l.loan_id = x.loan_id AND l.officer_id = "
                      "o.officer_id WHERE o.email IS NOT NULL GROUP BY o.officer_id "
                      "ORDER BY count(*) DESC, o.officer_id LIMIT 1")
    return {"officer_id": oid,
            "email": site.scalar("SELECT email FROM officers WHERE officer_id = :o", o=oid),
            "name": site.scalar("SELECT name FROM officers WHERE officer_id = :o", o=oid)}


def test_fimr_shows_the_portfolio_metrics_rate_and_lists_exactly_the_tagged_loans(
        site, page, shot):
    r = metrics(site)
    k = r.total
    assert k.fimr_tagged > 0
    site.login(page, "analyst")
    page.goto(site.url("/fimr?limit=500"))
    summary_shown(page, k.fimr_rate, k.fimr_tagged, k.fimr_eligible)
    expect(page.locator(".pager span")).to_have_text(f"{number(k.fimr_tagged)} loans")
    ids = column(page, "risk-loans", "Loan")
    assert sorted(ids) == site.column(FIMR_LOANS.format(more=""))
    assert len(ids) == k.fimr_tagged
    cohorts = rows(page, "cohorts")
    assert [(c[1], c[2], c[3]) for c in cohorts] == [
        (number(c.eligible), number(c.tagged), rate(c.rate)) for c in k.cohorts]
    dpd = [int(x) for x in column(page, "risk-loans", "DPD")]
    assert dpd == sorted(dpd, reverse=True)            # most days past due first

    page.goto(site.url("/fimr"))
    page.get_by_label("Summary per").select_option("branch")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"group_by=branch"))
    by_branch = metrics(site, group_by="branch")
    assert rows(page, "groups") == [
        [g.group, number(g.fimr_eligible), number(g.fimr_tagged), rate(g.fimr_rate)]
        for g in sorted(by_branch.groups, key=lambda g: g.group.lower())]
    expect(page.locator("#c-cohorts")).to_be_visible()
    shot(page, "fimr")

    page.get_by_role("link", name="DPD ▼", exact=True).click()   # sorting by a header
    expect(page).to_have_url(re.compile(r"sort=current_dpd&order=asc"))
    dpd = [int(x) for x in column(page, "risk-loans", "DPD")]
    assert dpd == sorted(dpd)


def test_early_indicators_list_only_loans_1_to_6_days_past_due(site, page, shot):
    k = metrics(site).total
    assert k.early_indicator_count > 0
    site.login(page, "analyst")
    page.goto(site.url("/early-indicators?limit=500"))
    summary_shown(page, k.early_indicator_rate, k.early_indicator_count, k.loans_on_books)
    ids = column(page, "risk-loans", "Loan")
    assert len(ids) == k.early_indicator_count
    dpd = dict(zip(ids, site.column("SELECT current_dpd FROM loans WHERE loan_id = ANY(:ids) "
                                    "ORDER BY array_position(:ids, loan_id)", ids=ids),
                   strict=True))
    assert all(1 <= d <= 6 for d in dpd.values()), dpd
    assert sorted(ids) == site.column(EARLY_LOANS.format(more=""))
    assert [int(x) for x in column(page, "risk-loans", "DPD")] == list(dpd.values())
    shot(page, "early-indicators")


def test_a_filter_narrows_the_list_and_the_csv_holds_exactly_the_listed_loans(
        site, page, tmp_path):
    branch = site.scalar(f"SELECT l.branch FROM loans l JOIN ({FIMR_LOANS.format(more='')}) x "
                         "USING (loan_id) GROUP BY l.branch ORDER BY count(*) DESC, l.branch "
                         "LIMIT 1")
    expected = site.column(FIMR_LOANS.format(more="AND branch = :b"), b=branch)
    everything = site.column(FIMR_LOANS.format(more=""))
    assert 0 < len(expected) < len(everything)
    site.login(page, "analyst")
    page.goto(site.url("/fimr"))
    page.get_by_label("Branch").select_option(branch)
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"branch="))
    k = metrics(site, branch=(branch,)).total
    expect(kpi(page, "tagged")).to_have_text(number(k.fimr_tagged))
    expect(page.locator(".pager span")).to_contain_text(f"{number(len(expected))} loans")
    assert set(column(page, "risk-loans", "Branch")) == {branch}
    listed = column(page, "risk-loans", "Loan")
    assert set(listed) <= set(expected)

    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("Export loans CSV")).click()
    path = tmp_path / "fimr.csv"
    info.value.save_as(path)
    with path.open(newline="", encoding="utf-8-sig") as f:
        exported = [r["loan_id"] for r in csv.DictReader(f)]
    assert sorted(exported) == expected
    assert exported[:len(listed)] == listed            # the same order as the page's

    with page.expect_download() as info:
        page.get_by_role("link", name="Export summary CSV").click()
    path = tmp_path / "summary.csv"
    info.value.save_as(path)
    with path.open(newline="", encoding="utf-8-sig") as f:
        summary = list(csv.DictReader(f))
    assert (summary[0]["tagged"], summary[0]["eligible"]) == (
        str(k.fimr_tagged), str(k.fimr_eligible))

    dpd = site.scalar(f"SELECT l.current_dpd FROM loans l JOIN ({EARLY_LOANS.format(more='')})"
                      " x USING (loan_id) GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
    page.goto(site.url(f"/early-indicators?dpd_min={dpd}&dpd_max={dpd}&limit=500"))
    ids = column(page, "risk-loans", "Loan")
    assert ids and sorted(ids) == site.column(EARLY_LOANS.format(more="AND current_dpd = :d"),
                                              d=dpd)
    assert len(ids) < metrics(site).total.early_indicator_count
    expect(page.get_by_role("note")).to_contain_text("narrow the list of loans only")


def test_a_loan_officer_sees_only_their_own_tagged_loans(site, page):
    me = busiest_officer(site, FIMR_LOANS)
    site.login(page, "loan_officer", username="ada", email=me["email"])
    mine = metrics(site, scope=(me["officer_id"],)).total
    assert mine.fimr_tagged < metrics(site).total.fimr_tagged
    for path, sql, count, value in (
            ("/fimr", FIMR_LOANS, mine.fimr_tagged, mine.fimr_rate),
            ("/early-indicators", EARLY_LOANS, mine.early_indicator_count,
             mine.early_indicator_rate)):
        page.goto(site.url(f"{path}?limit=500"))
        summary_shown(page, value, count)
        ids = column(page, "risk-loans", "Loan")
        assert sorted(ids) == site.column(sql.format(more="AND officer_id = :o"),
                                          o=me["officer_id"]), path
        if count:
            assert set(column(page, "risk-loans", "Officer")) == {me["name"]}
