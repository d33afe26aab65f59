"""Per-officer scoping: no cross-officer leak in lists, details, exports and aggregates."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import text

from astrofinance.auth.context import act_as
from astrofinance.auth.tokens import create_api_token
from astrofinance.db import session_scope
from tests.api.book import seeded_book, two_officers
from tests.api.live import Api


@pytest.fixture
def book(api: Api) -> Api:
    seeded_book(api.db)
    return api


def _ids(api: Api, where: str, **params: object) -> set[str]:
    with session_scope(api.db) as conn:
        return set(conn.execute(text(f"SELECT loan_id FROM loans WHERE {where}"), params
                                ).scalars())


def _listed(c, path: str = "/loans", **params: object) -> set[str]:
    r = c.get(path, params={"limit": 500, **params})
    assert r.status_code == 200, r.text
    return {i["loan_id"] for i in r.json()["data"]["items"]}


def test_a_loan_officer_sees_only_their_own_loans_everywhere(book: Api) -> None:
    mine, other = two_officers(book.db)
    c = book.as_role("loan_officer", username="ada", email=mine["email"].upper())
    own = _ids(book, "officer_id = :o", o=mine["officer_id"])
    theirs = sorted(_ids(book, "officer_id = :o", o=other["officer_id"]))
    assert _listed(c) == own
    assert _listed(c, officer_id=other["officer_id"]) == set()      # asking does not help
    assert c.get(f"/loans/{theirs[0]}").status_code == 404
    assert c.get(f"/loans/{theirs[0]}/schedule").status_code == 404
    assert c.get(f"/loans/{theirs[0]}/repayments").status_code == 404
    exported = csv.DictReader(io.StringIO(c.get("/loans", params={"format": "csv"}).text))
    assert {r["loan_id"] for r in exported} == own
    summary = c.get("/loans", params={"limit": 1}).json()["data"]["summary"]
    assert summary["loans"] == len(own)
    fimr = _listed(c, "/fimr/loans")
    early = _listed(c, "/early-indicators/loans")
    assert fimr <= own and early <= own
    assert fimr == _ids(book, "officer_id = :o AND fimr_tagged AND fimr_eligible AND status "
                        "NOT IN ('Pending', 'Cancelled')", o=mine["officer_id"])


def test_aggregates_are_scoped(book: Api) -> None:
    mine, _ = two_officers(book.db)
    officer = book.as_role("loan_officer", username="ada", email=mine["email"])
    manager = book.as_role("manager")
    own = officer.get("/metrics/portfolio").json()["data"]
    just_mine = manager.get("/metrics/portfolio",
                            params={"officer_id": mine["officer_id"]}).json()["data"]
    everything = manager.get("/metrics/portfolio").json()["data"]
    assert own["loans_on_books"] == just_mine["loans_on_books"]
    assert own["gross_loan_portfolio"] == just_mine["gross_loan_portfolio"]
    assert own["loans_on_books"] < everything["loans_on_books"]
    assert "scope" not in own["filters"]
    grouped = officer.get("/metrics/portfolio", params={"group_by": "officer"}).json()["data"]
    assert [g["group"] for g in grouped["groups"]] == [mine["officer_id"]]
    par = officer.get("/metrics/par").json()["data"]["total"]
    assert par["loans_on_books"] == just_mine["loans_on_books"]
    for path in ("/fimr/summary", "/early-indicators/summary"):
        mine_total = officer.get(path).json()["data"]["total"]
        direct = manager.get(path, params={"officer_id": mine["officer_id"]}).json()["data"]
        assert mine_total == direct["total"], path
    csv_rows = list(csv.DictReader(io.StringIO(
        officer.get("/metrics/portfolio", params={"group_by": "branch", "format": "csv"}).text)))
    assert sum(int(r["loans_on_books"]) for r in csv_rows) == just_mine["loans_on_books"]


def test_a_supervisor_sees_their_team(book: Api) -> None:
    with session_scope(book.db) as conn:
        sup = conn.execute(text(
            "SELECT supervisor_email FROM officers WHERE supervisor_email IS NOT NULL "
            "GROUP BY supervisor_email HAVING count(*) > 1 ORDER BY supervisor_email LIMIT 1")
        ).scalar_one()
    team = _ids(book, "officer_id IN (SELECT officer_id FROM officers "
                      "WHERE lower(supervisor_email) = lower(:s))", s=sup)
    c = book.as_role("supervisor", username="sup", email=sup)
    assert _listed(c) == team and team != _ids(book, "TRUE")
    me = c.get("/auth/me").json()["data"]
    assert len(me["scope"]["officer_ids"]) > 1


def test_a_vertical_lead_sees_their_vertical(book: Api) -> None:
    with session_scope(book.db) as conn:
        lead = conn.execute(text(
            "SELECT vertical_lead_email FROM officers WHERE vertical_lead_email IS NOT NULL "
            "ORDER BY vertical_lead_email LIMIT 1")).scalar_one()
    vertical = _ids(book, "officer_id IN (SELECT officer_id FROM officers "
                          "WHERE lower(vertical_lead_email) = lower(:v))", v=lead)
    c = book.as_role("vertical_lead", username="lead", email=lead)
    assert _listed(c) == vertical and vertical


def test_a_scoped_token_without_a_person_sees_nothing(book: Api) -> None:
    with session_scope(book.db) as conn:
        act_as(conn, "test")
        token = create_api_token(conn, name="field app", created_by="test",
                                 role="loan_officer").token
    c = book.client(token)
    data = c.get("/loans").json()["data"]
    assert data["total"] == 0 and data["items"] == []
    assert c.get("/metrics/portfolio").json()["data"]["loans_on_books"] == 0


def test_unscoped_roles_see_everything(book: Api) -> None:
    everything = _ids(book, "TRUE")
    for role in ("admin", "manager", "analyst", "viewer"):
        assert _listed(book.as_role(role)) == everything, role
