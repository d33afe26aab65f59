"""The collections page in a real browser: due vs collected per day, branch and officer equal
metrics.collections.collections() (the API's), the CSV links download the same rows, "missed
today" lists exactly the loans of its definition, and a loan officer sees only their own."""

from __future__ import annotations

import csv
import datetime as dt
import re
from typing import Any
from urllib.parse import urlencode

from playwright.sync_api import expect
from sqlalchemy import text

from astrofinance.auth.context import act_as
from astrofinance.db import session_scope
from astrofinance.metrics.collections import collections
from astrofinance.metrics.portfolio import PortfolioFilters
from astrofinance.web.render import day, naira, number, rate
from tests.web.conftest import today
from tests.web.test_risk import column, kpi, rows

MISSED = """
    SELECT l.loan_id FROM loans l
    WHERE l.disbursement_date <= :d
      AND (l.status IN ('Active', 'Defaulted') OR (l.status = 'Closed' AND l.closed_on > :d)
           OR (l.status = 'Written Off' AND l.written_off_on > :d))
      AND NOT EXISTS (SELECT 1 FROM repayments r WHERE r.loan_id = l.loan_id
                      AND r.payment_date = :d AND NOT r.is_reversed)
      AND EXISTS (SELECT 1 FROM payment_schedules s WHERE s.loan_id = l.loan_id
                  AND s.due_date = :d AND s.cumulative_due > (
                      SELECT coalesce(sum(r.payment_amount), 0) FROM repayments r
                      WHERE r.loan_id = l.loan_id AND NOT r.is_reversed
                        AND r.payment_date < :d)) {more}
    ORDER BY l.loan_id"""
"""The definition of "missed today", written independently of the page's SQL: on the books
that day, an installment due that day that earlier repayments do not pay, no repayment that
day (reversed ones do not count)."""


def service(site: Any, start: dt.date, end: dt.date, group_by: str = "day",
            **filters: Any) -> Any:
    with session_scope(site.db) as conn:
        return collections(conn, PortfolioFilters(**filters), date_from=start, date_to=end,
                           group_by=group_by)


def amounts(c: dict[str, Any]) -> list[str]:
    return [naira(c["due"]), naira(c["collected"]), rate(c["collection_rate"])]


def footer(page: Any, table: str) -> list[str]:
    return page.locator(f"#{table} tfoot td").all_inner_texts()


def missed_day(site: Any) -> dt.date:
    """The latest day up to today on which some loan missed a payment."""
    for back in range(30):
        d = today() - dt.timedelta(days=back)
        if site.column(MISSED.format(more=""), d=d):
            return d
    raise AssertionError("no loan of the book missed a payment in the last 30 days")


def test_due_and_collected_per_day_branch_and_officer_are_the_services(site, page, shot,
                                                                         tmp_path):
    end = today()
    start = end.replace(day=1)
    c = service(site, start, end)
    site.login(page, "analyst")
    page.goto(site.url("/collections"))
    expect(page.get_by_text(f"Period {day(start)} – {day(end)}")).to_be_visible()
    assert rows(page, "per-day") == [[day(d["date"]), *amounts(d)] for d in c.items]
    assert footer(page, "per-day") == ["Total", *amounts(c.total)]
    expect(kpi(page, "due")).to_have_text(naira(c.total["due"], 0))
    expect(kpi(page, "collected")).to_have_text(naira(c.total["collected"], 0))
    expect(kpi(page, "rate")).to_have_text(rate(c.total["collection_rate"]))
    branches = service(site, start, end, "branch")
    assert rows(page, "per-branch") == [[b["branch"] or "(none)", *amounts(b)]
                                        for b in branches.items]
    officers = service(site, start, end, "officer")
    assert rows(page, "per-officer") == [[o["officer_name"] or o["officer_id"], *amounts(o)]
                                         for o in officers.items]
    assert footer(page, "per-officer") == ["Total", *amounts(officers.total)]
    expect(page.locator("#c-days")).to_be_visible()
    shot(page, "collections")

    # another period and a branch, through the form; the CSV links give the same rows
    branch = next(b["branch"] for b in branches.items if b["branch"])
    start, end = end - dt.timedelta(days=40), end - dt.timedelta(days=3)
    page.get_by_label("Branch", exact=True).select_option(branch)
    page.get_by_label("Period from").fill(start.isoformat())
    page.get_by_label("Period to").fill(end.isoformat())
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"period_from="))
    c = service(site, start, end, branch=(branch,))
    assert c.total["due"] > 0
    assert rows(page, "per-day") == [[day(d["date"]), *amounts(d)] for d in c.items]
    assert footer(page, "per-day") == ["Total", *amounts(c.total)]
    assert column(page, "per-branch", "Branch") == [branch]
    with page.expect_download() as info:
        page.get_by_role("link", name="Export per day CSV").click()
    path = tmp_path / "days.csv"
    info.value.save_as(path)
    with path.open(newline="", encoding="utf-8-sig") as f:
        exported = [(r["date"], r["due"], r["collected"]) for r in csv.DictReader(f)]
    assert exported == [(d["date"].isoformat(), str(d["due"]), str(d["collected"]))
                        for d in c.items]

    # a vertical lead's team, then a supervisor's: the service's numbers with that filter
    with session_scope(site.db) as conn:
        sup, vl = conn.execute(text(
            "SELECT lower(supervisor_email), lower(vertical_lead_email) FROM loans "
            "WHERE supervisor_email IS NOT NULL AND vertical_lead_email IS NOT NULL "
            "GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1")).one()
    for label, name, email in (("Vertical lead", "vertical_lead", vl),
                               ("Supervisor", "supervisor", sup)):
        page.goto(site.url("/collections?" + urlencode(
            {"period_from": start.isoformat(), "period_to": end.isoformat()})))
        page.get_by_label(label, exact=True).select_option(email)
        page.get_by_role("button", name="Apply").click()
        expect(page).to_have_url(re.compile(name + "="))
        team = service(site, start, end, **{name: (email,)})
        assert 0 < team.total["due"] < service(site, start, end).total["due"]
        assert footer(page, "per-day") == ["Total", *amounts(team.total)]


def test_missed_today_lists_exactly_the_loans_of_its_definition(site, page):
    site.login(page, "analyst")
    page.goto(site.url("/collections?limit=500"))
    expected = site.column(MISSED.format(more=""), d=today())
    expect(kpi(page, "missed")).to_have_text(f"{number(len(expected))} loans")
    assert sorted(column(page, "missed", "Loan")) == expected

    d = missed_day(site)
    expected = site.column(MISSED.format(more=""), d=d)
    page.goto(site.url("/collections"))
    page.get_by_label("Missed on").fill(d.isoformat())
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"missed_on="))
    expect(kpi(page, "missed")).to_have_text(f"{number(len(expected))} loans")
    page.goto(site.url(f"/collections?missed_on={d}&limit=500"))
    listed = column(page, "missed", "Loan")
    assert sorted(listed) == expected
    dpd = [int(x) for x in column(page, "missed", "DPD")]
    assert dpd == sorted(dpd, reverse=True)
    due = dict(zip(listed, column(page, "missed", "Due that day"), strict=True))
    for loan_id in listed:
        amount = site.scalar("SELECT sum(amount_due) FROM payment_schedules "
                             "WHERE loan_id = :l AND due_date = :d", l=loan_id, d=d)
        assert due[loan_id] == naira(amount)

    # a reversed repayment that day leaves the loan listed; a repayment that day removes it
    loan_id = listed[0]
    pay(site, loan_id, d, reversed_=True)
    page.reload()
    assert loan_id in column(page, "missed", "Loan")
    pay(site, loan_id, d, reversed_=False)
    page.reload()
    assert sorted(column(page, "missed", "Loan")) == sorted(set(expected) - {loan_id})


def pay(site: Any, loan_id: str, d: dt.date, reversed_: bool) -> None:
    with session_scope(site.db) as conn:
        act_as(conn, "test")
        conn.execute(text("INSERT INTO repayments (repayment_id, loan_id, payment_date, "
                          "payment_amount, is_reversed) VALUES (:r, :l, :d, 1.00, :x)"),
                     {"r": f"T-{loan_id}-{reversed_}", "l": loan_id, "d": d, "x": reversed_})


def test_a_loan_officer_sees_only_their_own_collections(site, page):
    d = missed_day(site)
    oid = site.scalar(
        f"SELECT l.officer_id FROM loans l JOIN ({MISSED.format(more='')}) x USING (loan_id) "
        "JOIN officers o ON o.officer_id = l.officer_id AND o.email IS NOT NULL "
        "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1", d=d)
    email, name = (site.scalar(f"SELECT {c} FROM officers WHERE officer_id = :o", o=oid)
                   for c in ("email", "name"))
    site.login(page, "loan_officer", username="ada", email=email)
    end = today()
    start = end.replace(day=1)
    page.goto(site.url(f"/collections?missed_on={d}&limit=500"))
    mine = service(site, start, end, scope=(oid,))
    assert mine.total != service(site, start, end).total
    assert footer(page, "per-day") == ["Total", *amounts(mine.total)]
    assert column(page, "per-officer", "Officer") == [name]
    listed = column(page, "missed", "Loan")
    assert listed
    assert sorted(listed) == site.column(MISSED.format(more="AND l.officer_id = :o"), d=d,
                                         o=oid)
    assert set(column(page, "missed", "Officer")) == {name}
    assert len(listed) < len(site.column(MISSED.format(more=""), d=d))
