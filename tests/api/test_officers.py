"""Officers, branches, vertical leads (the portfolio metrics rolled up, with a risk band),
an officer's riskiest loans, and collections: over real HTTP, on a seeded book."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text

from astrofinance.db import session_scope
from astrofinance.metrics.officers import risk_band
from astrofinance.metrics.portfolio import PortfolioFilters, portfolio_metrics
from astrofinance.metrics.portfolio_result import Kpis
from tests.api.book import AS_OF, seeded_book, two_officers
from tests.api.live import Api

MONTH = (dt.date(2026, 1, 1), AS_OF)          # portfolio_metrics' default period
QUARTER = (dt.date(2025, 11, 1), AS_OF)
METRICS = ("loans_on_books", "gross_loan_portfolio", "par30", "fimr_rate",
           "early_indicator_rate", "due_in_period", "repaid_in_period", "collection_rate",
           "avg_dpd")


@pytest.fixture
def book(api: Api) -> Api:
    seeded_book(api.db, loans=200, seed=7)
    return api


def _metrics(api: Api, group_by: str | None = None, period: tuple[dt.date, dt.date] = MONTH,
             **filters: Any):
    with session_scope(api.db) as conn:
        return portfolio_metrics(conn, as_of=AS_OF, group_by=group_by,
                                 filters=PortfolioFilters(**filters),
                                 period_start=period[0], period_end=period[1])


def _json(value: Any) -> Any:
    """A value as the API's JSON has it (Decimals as strings)."""
    return str(value) if isinstance(value, Decimal) else value


def _expected(k: Kpis) -> dict[str, Any]:
    return {"loans_on_books": k.loans_on_books,
            "gross_loan_portfolio": _json(k.gross_loan_portfolio), "par30": _json(k.par(30)),
            "fimr_rate": _json(k.fimr_rate), "early_indicator_rate": _json(k.early_indicator_rate),
            "due_in_period": _json(k.due_in_period), "repaid_in_period": _json(k.repaid_in_period),
            "collection_rate": _json(k.collection_rate), "avg_dpd": _json(k.avg_dpd)}


def _get(c, path: str, **params: Any) -> dict[str, Any]:
    r = c.get(path, params=params)
    assert r.status_code == 200, r.text
    return r.json()["data"]


def _csv(c, path: str, **params: Any) -> list[dict[str, str]]:
    r = c.get(path, params={**params, "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv"), r.text
    return list(csv.DictReader(io.StringIO(r.text)))


def _as_csv(items: list[dict[str, Any]]) -> list[dict[str, str]]:
    def cell(v: Any) -> str:
        return "" if v is None else ("true" if v is True else "false" if v is False else str(v))

    return [{k: cell(v) for k, v in i.items()} for i in items]


def test_officers_equal_the_portfolio_metrics_by_officer(book: Api) -> None:
    data = _get(book.as_role("manager"), "/officers", limit=500)
    expected = {g.group: g for g in _metrics(book, "officer").groups if g.group is not None}
    assert {i["officer_id"] for i in data["items"]} == set(expected)
    assert data["total"] == len(expected) > 5 and data["pages"] == 1
    assert (data["as_of"], data["period"]) == (AS_OF.isoformat(), {
        "start": MONTH[0].isoformat(), "end": MONTH[1].isoformat()})
    with session_scope(book.db) as conn:
        officers = {r["officer_id"]: dict(r) for r in conn.execute(text(
            "SELECT officer_id, name, email, branch, supervisor_email, vertical_lead_name "
            "FROM officers")).mappings()}
    for item in data["items"]:
        k = expected[item["officer_id"]]
        assert {m: item[m] for m in METRICS} == _expected(k), item["officer_id"]
        assert item["risk_band"] == risk_band(k)
        o = officers[item["officer_id"]]
        assert {f: item[f] for f in o} == o
    bands = {i["risk_band"] for i in data["items"]}
    assert len(bands) > 1, bands                  # the book exercises the rule


def test_the_risk_band_rule() -> None:
    def band(par30: int, fimr: tuple[int, int] = (0, 10), early: int = 0,
             on_books: int = 100) -> str | None:
        k = Kpis(loans_on_books=on_books, gross_loan_portfolio=Decimal(100),
                 par_amounts={30: Decimal(par30)}, fimr_eligible=fimr[1],
                 fimr_tagged=fimr[0], early_indicator_count=early)
        return risk_band(k)

    assert band(0) == "low"
    assert band(5) == "low" and band(6) == "watch"          # PAR30 > 5 %
    assert band(10) == "watch" and band(11) == "high"       # PAR30 > 10 %
    assert band(0, (1, 10)) == "low" and band(0, (11, 100)) == "watch"   # FIMR > 10 %
    assert band(0, (25, 100)) == "watch" and band(0, (26, 100)) == "high"  # FIMR > 25 %
    assert band(0, early=15) == "low" and band(0, early=16) == "watch"   # early > 15 %
    assert band(0, (0, 0)) == "low"                          # no FIMR rate: not over
    assert band(0, on_books=0) is None                       # nothing on the books


def test_officers_sort_page_and_filter(book: Api) -> None:
    c = book.as_role("manager")
    everyone = _get(c, "/officers", limit=500)["items"]
    by_par = _get(c, "/officers", limit=500, sort="par30", order="desc")["items"]
    values = [Decimal(i["par30"]) for i in by_par if i["par30"] is not None]
    assert values == sorted(values, reverse=True) and values[0] > values[-1]
    assert all(i["par30"] is None for i in by_par[len(values):])
    names = [i["name"].lower() for i in _get(c, "/officers", limit=500)["items"]]
    assert names == sorted(names)
    glp = [Decimal(i["gross_loan_portfolio"]) for i in
           _get(c, "/officers", limit=500, sort="gross_loan_portfolio")["items"]]
    assert glp == sorted(glp)
    page2 = _get(c, "/officers", limit=3, page=2, sort="par30", order="desc")
    assert page2["items"] == by_par[3:6] and page2["total"] == len(everyone)
    assert page2["pages"] == -(-len(everyone) // 3)
    bad = c.get("/officers", params={"sort": "password"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation_failed"
    assert c.get("/officers", params={"order": "sideways"}).status_code == 422
    assert c.get("/officers", params={"risk_band": "purple"}).status_code == 422

    branch = everyone[0]["branch"]
    in_branch = _get(c, "/officers", limit=500, branch=branch)["items"]
    assert in_branch and {i["branch"] for i in in_branch} == {branch}
    assert {i["officer_id"] for i in in_branch} == {
        i["officer_id"] for i in everyone if i["branch"] == branch}
    one = everyone[1]
    found = _get(c, "/officers", q=one["email"][2:8].upper())["items"]
    assert one["officer_id"] in {i["officer_id"] for i in found}
    assert _get(c, "/officers", q="%")["total"] == 0          # LIKE wildcards are literal
    band = everyone[0]["risk_band"]
    banded = _get(c, "/officers", limit=500, risk_band=band)["items"]
    assert {i["officer_id"] for i in banded} == {
        i["officer_id"] for i in everyone if i["risk_band"] == band}
    sup = everyone[0]["supervisor_email"]
    team = _get(c, "/officers", limit=500, supervisor=sup.upper())["items"]
    assert {i["officer_id"] for i in team} == {
        i["officer_id"] for i in everyone if i["supervisor_email"] == sup}


def test_officer_csv_equals_the_json_items(book: Api) -> None:
    c = book.as_role("analyst")
    items = _get(c, "/officers", limit=500, sort="avg_dpd", order="desc")["items"]
    rows = _csv(c, "/officers", sort="avg_dpd", order="desc")
    assert rows == _as_csv(items)


def test_officer_detail_and_top_risk_loans(book: Api) -> None:
    c = book.as_role("manager")
    mine, _ = two_officers(book.db)
    oid = mine["officer_id"]
    row = _get(c, "/officers", q=oid)["items"]
    detail = _get(c, f"/officers/{oid}")
    assert {k: detail[k] for k in row[0]} == next(i for i in row if i["officer_id"] == oid)
    assert c.get("/officers/NO-SUCH-OFFICER").status_code == 404
    assert c.get("/officers/NO-SUCH-OFFICER/top-risk-loans").status_code == 404

    loans = _get(c, f"/officers/{oid}/top-risk-loans", limit=100)["items"]
    with session_scope(book.db) as conn:
        on_books = conn.execute(text(
            "SELECT loan_id, current_dpd, principal_outstanding FROM loans WHERE officer_id = :o "
            "AND loan_on_books(status, disbursement_date, closed_on, written_off_on, :t) "
            "ORDER BY current_dpd DESC, principal_outstanding DESC, loan_id"),
            {"o": oid, "t": AS_OF}).all()
    assert [i["loan_id"] for i in loans] == [r.loan_id for r in on_books]
    assert len(loans) == detail["loans_on_books"] > 3
    assert loans[0]["current_dpd"] >= loans[-1]["current_dpd"]
    assert set(loans[0]) >= {"customer_name", "status", "total_outstanding",
                             "actual_outstanding", "fimr_tagged", "early_indicator_tagged",
                             "repayment_health", "days_since_last_repayment"}
    top3 = _get(c, f"/officers/{oid}/top-risk-loans", limit=3)["items"]
    assert top3 == loans[:3]
    assert len(_get(c, f"/officers/{oid}/top-risk-loans")["items"]) == min(10, len(loans))


def test_branches_and_vertical_leads(book: Api) -> None:
    c = book.as_role("manager")
    for path, group_by, key in (("/branches", "branch", "branch"),
                                ("/vertical-leads", "vertical_lead", "vertical_lead_email")):
        data = _get(c, path)
        report = _metrics(book, group_by)
        expected = {g.group: g for g in report.groups}
        assert [i[key] for i in data["items"]] == sorted(expected, key=lambda g: (g is None,
                                                                                 (g or "").lower()))
        for item in data["items"]:
            assert {m: item[m] for m in METRICS} == _expected(expected[item[key]]), item[key]
        assert {m: data["total"][m] for m in METRICS} == _expected(report.total)
        with session_scope(book.db) as conn:
            col = "lower(vertical_lead_email)" if group_by == "vertical_lead" else "branch"
            counts = dict(conn.execute(text(
                f"SELECT {col}, count(DISTINCT officer_id) FROM loans "
                "WHERE status NOT IN ('Pending', 'Cancelled') AND disbursement_date <= :t "
                f"GROUP BY {col}"), {"t": AS_OF}).all())
        assert {i[key]: i["officers"] for i in data["items"]} == counts
        label = "region" if group_by == "branch" else "vertical_lead_name"
        assert data["total"][key] is None and data["total"][label] is None   # no group's label
        assert data["total"]["officers"] == len({
            i["officer_id"] for i in _get(c, "/officers", limit=500)["items"]})
        assert _csv(c, path) == _as_csv(data["items"])
        by_glp = _get(c, path, sort="gross_loan_portfolio", order="desc")["items"]
        glp = [Decimal(i["gross_loan_portfolio"]) for i in by_glp]
        assert glp == sorted(glp, reverse=True)
    assert c.get("/branches", params={"sort": "secret"}).status_code == 422
    region = _get(c, "/branches")["items"][0]["region"]
    only = _get(c, "/branches", region=region)
    assert {i["region"] for i in only["items"]} == {region}
    assert only["total"]["loans_on_books"] == _metrics(book, region=(region,)
                                                       ).total.loans_on_books


@pytest.mark.parametrize("period", [MONTH, QUARTER])
def test_collections_agree_with_the_portfolio_metrics(book: Api, period) -> None:
    c = book.as_role("manager")
    start, end = (d.isoformat() for d in period)
    report = _metrics(book, "branch", period=period)
    by_day = _get(c, "/collections", date_from=start, date_to=end)
    total = by_day["total"]
    assert total == {"due": str(report.total.due_in_period),
                     "collected": str(report.total.repaid_in_period),
                     "collection_rate": _json(report.total.collection_rate)}
    assert Decimal(total["due"]) > 0 and Decimal(total["collected"]) > 0
    days = by_day["items"]
    assert len(days) == (period[1] - period[0]).days + 1 == by_day["period"]["days"]
    assert days[0]["date"] == start and days[-1]["date"] == end
    assert sum(Decimal(d["due"]) for d in days) == report.total.due_in_period
    assert sum(Decimal(d["collected"]) for d in days) == report.total.repaid_in_period
    branches = _get(c, "/collections", date_from=start, date_to=end, group_by="branch")
    assert branches["total"] == total
    assert {b["branch"]: (b["due"], b["collected"]) for b in branches["items"]} == {
        g.group: (str(g.due_in_period), str(g.repaid_in_period)) for g in report.groups
        if g.due_in_period or g.repaid_in_period}


def test_collections_periods_filters_and_csv(book: Api) -> None:
    c = book.as_role("manager")
    default = _get(c, "/collections")
    today = dt.date.fromisoformat(default["period"]["end"])
    assert default["period"]["start"] == today.replace(day=1).isoformat()
    assert c.get("/collections", params={"date_from": "2025-01-01",
                                         "date_to": "2026-01-02"}).status_code == 422
    assert c.get("/collections", params={"date_from": "2026-01-10",
                                         "date_to": "2026-01-09"}).status_code == 422
    assert c.get("/collections", params={"group_by": "wave"}).status_code == 422
    period = {"date_from": QUARTER[0].isoformat(), "date_to": QUARTER[1].isoformat()}
    officers = _get(c, "/collections", group_by="officer", **period)
    oid = officers["items"][0]["officer_id"]
    assert officers["items"][0]["officer_name"]
    one = _get(c, "/collections", officer_id=oid, **period)["total"]
    k = _metrics(book, period=QUARTER, officer=(oid,)).total
    assert (one["due"], one["collected"]) == (str(k.due_in_period), str(k.repaid_in_period))
    for group_by in ("day", "branch", "officer"):
        items = _get(c, "/collections", group_by=group_by, **period)["items"]
        assert _csv(c, "/collections", group_by=group_by, **period) == _as_csv(items)
    # a supervisor's or a vertical lead's team (by email, any case), as the portfolio metrics
    with session_scope(book.db) as conn:
        sup, vl = conn.execute(text(
            "SELECT supervisor_email, vertical_lead_email FROM loans "
            "WHERE supervisor_email IS NOT NULL AND vertical_lead_email IS NOT NULL "
            "GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1")).one()
    everyone = _get(c, "/collections", **period)["total"]
    for name, email in (("supervisor", sup), ("vertical_lead", vl)):
        team = _get(c, "/collections", **{name: email.upper()}, **period)["total"]
        k = _metrics(book, period=QUARTER, **{name: (email,)}).total
        assert (team["due"], team["collected"]) == (str(k.due_in_period),
                                                    str(k.repaid_in_period)), name
        assert Decimal(team["due"]) < Decimal(everyone["due"]), name


def test_a_loan_officer_sees_only_their_own_numbers(book: Api) -> None:
    mine, other = two_officers(book.db)
    me = book.as_role("loan_officer", username="ada", email=mine["email"])
    manager = book.as_role("manager")
    own = _metrics(book, officer=(mine["officer_id"],))

    listed = _get(me, "/officers", limit=500)["items"]
    assert [i["officer_id"] for i in listed] == [mine["officer_id"]]
    assert [r["officer_id"] for r in _csv(me, "/officers")] == [mine["officer_id"]]
    assert _get(me, "/officers", branch=other["officer_id"])["total"] == 0
    assert _get(me, f"/officers/{mine['officer_id']}")["loans_on_books"] == \
        own.total.loans_on_books
    assert me.get(f"/officers/{other['officer_id']}").status_code == 404
    assert me.get(f"/officers/{other['officer_id']}/top-risk-loans").status_code == 404
    assert _get(me, f"/officers/{mine['officer_id']}/top-risk-loans")["items"]

    for path in ("/branches", "/vertical-leads"):
        data = _get(me, path)
        assert {m: data["total"][m] for m in METRICS} == _expected(own.total), path
        assert data["total"]["officers"] == 1
        rows = _csv(me, path)
        assert sum(int(r["loans_on_books"]) for r in rows) == own.total.loans_on_books
        assert {r["officers"] for r in rows} == {"1"}

    period = {"date_from": QUARTER[0].isoformat(), "date_to": QUARTER[1].isoformat()}
    theirs = _get(manager, "/collections", officer_id=mine["officer_id"], **period)
    everything = _get(manager, "/collections", **period)
    mine_only = _get(me, "/collections", **period)
    assert mine_only["total"] == theirs["total"] != everything["total"]
    assert _get(me, "/collections", officer_id=other["officer_id"], **period)["total"][
        "due"] == "0.00"
    by_officer = _csv(me, "/collections", group_by="officer", **period)
    assert [r["officer_id"] for r in by_officer] == [mine["officer_id"]]
    assert by_officer[0]["collected"] == theirs["total"]["collected"]
    days = _csv(me, "/collections", **period)
    assert sum(Decimal(r["due"]) for r in days) == Decimal(theirs["total"]["due"])
