"""Customers over HTTP: add, search, show, change; scoping of loan officers (lists, CSV,
details, changes); permissions and validation."""

from __future__ import annotations

import csv
import io

from sqlalchemy import text

from astrofinance.auth.context import act_as
from astrofinance.db import session_scope
from astrofinance.portfolio.customers import Customer, add_customer
from tests.api.live import Api
from tests.api.loanbook import SUPERVISOR, book, officer_client


def test_manager_adds_searches_shows_and_changes_a_customer(api: Api) -> None:
    book(api.db, loans=False)
    manager = api.as_role("manager")
    r = manager.post("/customers", json={"customer_id": "C3", "name": "Amaka Obi",
                                         "phone": "0803 333 0003", "email": "amaka@example.ng",
                                         "officer_id": "OF2", "branch": "Yaba"})
    assert r.status_code == 201, r.text
    assert r.json()["data"]["phone"] == "+2348033330003"       # stored as E.164
    assert r.json()["data"]["loans"] == 0
    listed = manager.get("/customers").json()["data"]
    assert [c["customer_id"] for c in listed["items"]] == ["C1", "C2", "C3"]
    assert (listed["total"], listed["pages"], listed["page"]) == (3, 1, 1)
    # q: a piece of the id, the name (any case) or the phone, local form or not
    for q, found in (("amaka", ["C3"]), ("0803222", ["C2"]), ("2348031", ["C1"]), ("c1", ["C1"]),
                     ("Obi", ["C3"]), ("nobody", [])):
        got = manager.get("/customers", params={"q": q}).json()["data"]["items"]
        assert [c["customer_id"] for c in got] == found, q
    by_officer = manager.get("/customers", params={"officer_id": "OF2"}).json()["data"]
    assert [c["customer_id"] for c in by_officer["items"]] == ["C2", "C3"]
    assert manager.get("/customers", params={"branch": "Yaba"}).json()["data"]["total"] == 1
    paged = manager.get("/customers", params={"limit": 2, "page": 2}).json()["data"]
    assert [c["customer_id"] for c in paged["items"]] == ["C3"] and paged["pages"] == 2

    shown = manager.get("/customers/C2").json()["data"]
    assert shown["phone"] == "+2348032220002" and shown["officer_id"] == "OF2"
    r = manager.patch("/customers/C2", json={"name": "Tunde B. Bakare", "phone": "08039990000",
                                             "email": None})
    assert r.status_code == 200, r.text
    changed = r.json()["data"]
    assert (changed["name"], changed["phone"], changed["email"], changed["branch"]) == (
        "Tunde B. Bakare", "+2348039990000", None, "Ikeja")
    with session_scope(api.db) as conn:                 # the change is audited as the caller
        who = conn.execute(text("SELECT changed_by FROM audit_logs WHERE table_name = "
                                "'customers' AND record_id = 'C2' AND action = 'UPDATE'"))
        assert who.scalars().all() == ["manager-user"]


def test_csv_lists_every_matching_customer(api: Api) -> None:
    book(api.db, loans=False)
    r = api.as_role("viewer").get("/customers", params={"format": "csv", "limit": 1})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [(x["customer_id"], x["phone"]) for x in rows] == [("C1", "+2348031110001"),
                                                             ("C2", "+2348032220002")]


def test_loan_officer_sees_and_changes_only_their_own_customers(api: Api) -> None:
    book(api.db)
    ada = officer_client(api)
    listed = ada.get("/customers").json()["data"]
    assert [c["customer_id"] for c in listed["items"]] == ["C1"] and listed["total"] == 1
    assert listed["items"][0]["loans"] == 1
    # asking for the other officer's customers by filter or search finds nothing
    assert ada.get("/customers", params={"officer_id": "OF2"}).json()["data"]["total"] == 0
    assert ada.get("/customers", params={"q": "Tunde"}).json()["data"]["items"] == []
    rows = list(csv.DictReader(io.StringIO(ada.get("/customers",
                                                   params={"format": "csv"}).text)))
    assert [x["customer_id"] for x in rows] == ["C1"]
    for r in (ada.get("/customers/C2"), ada.patch("/customers/C2", json={"name": "X"}),
              ada.get("/customers/NOPE")):
        assert r.status_code == 404, r.text
        assert r.json()["error"]["code"] == "not_found"
    assert "Tunde" not in ada.get("/customers/C2").text
    # their own: shown with the phone, changeable, but not given to another officer
    assert ada.get("/customers/C1").json()["data"]["phone"] == "+2348031110001"
    assert ada.patch("/customers/C1", json={"state": "Lagos"}).status_code == 200
    moved = ada.patch("/customers/C1", json={"officer_id": "OF2"})
    assert moved.status_code == 403 and moved.json()["error"]["code"] == "forbidden"
    assert ada.patch("/customers/C1", json={"officer_id": None}).status_code == 403
    with session_scope(api.db) as conn:
        assert conn.execute(text("SELECT officer_id FROM customers WHERE customer_id = 'C1'")
                            ).scalar_one() == "OF1"
    # a new customer is theirs by default; another officer's is refused
    r = ada.post("/customers", json={"customer_id": "C9", "name": "Ife"})
    assert r.status_code == 201 and r.json()["data"]["officer_id"] == "OF1"
    assert ada.post("/customers", json={"customer_id": "C8", "name": "Ola",
                                        "officer_id": "OF2"}).status_code == 403


def test_supervisor_sees_their_team_and_names_the_officer(api: Api) -> None:
    book(api.db, loans=False)
    with session_scope(api.db) as conn:           # an officer of another team, a customer
        act_as(conn, "test")
        conn.execute(text("INSERT INTO officers (officer_id, name) VALUES ('OF3', 'Chidi')"))
        add_customer(conn, Customer("C3", "Kemi", officer_id="OF3"), "test")
    sade = api.as_role("supervisor", username="sade", email=SUPERVISOR)
    listed = sade.get("/customers").json()["data"]
    assert [c["customer_id"] for c in listed["items"]] == ["C1", "C2"]
    assert sade.get("/customers/C3").status_code == 404
    unnamed = sade.post("/customers", json={"customer_id": "C4", "name": "Ife"})
    assert unnamed.status_code == 422 and "officer_id" in unnamed.json()["message"]
    named = sade.post("/customers", json={"customer_id": "C4", "name": "Ife",
                                          "officer_id": "OF2"})
    assert named.status_code == 201 and named.json()["data"]["officer_id"] == "OF2"
    assert sade.patch("/customers/C4", json={"officer_id": "OF1"}).status_code == 200
    assert sade.patch("/customers/C4", json={"officer_id": "OF3"}).status_code == 403


def test_permissions_and_validation(api: Api) -> None:
    book(api.db, loans=False)
    assert api.client().get("/customers").status_code == 401
    viewer = api.as_role("viewer")
    assert viewer.get("/customers/C1").status_code == 200
    refused = viewer.post("/customers", json={"customer_id": "C5", "name": "Ife"})
    assert refused.status_code == 403 and "customers.write" in refused.json()["message"]
    assert viewer.patch("/customers/C1", json={"name": "X"}).status_code == 403
    manager = api.as_role("manager")
    dup = manager.post("/customers", json={"customer_id": "C1", "name": "Again"})
    assert dup.status_code == 409 and "already exists" in dup.json()["message"]
    bad = manager.post("/customers", json={"customer_id": "C5", "name": "Ife", "phone": "12"})
    assert bad.status_code == 422 and "not a phone number" in bad.json()["message"]
    bad = manager.post("/customers", json={"customer_id": "C5", "name": "Ife",
                                           "email": "nope"})
    assert bad.status_code == 422 and "not an email" in str(bad.json()["error"]["details"])
    assert manager.post("/customers", json={"customer_id": "C5", "name": "Ife",
                                            "officer_id": "OF9"}).status_code == 404
    unknown = manager.patch("/customers/C1", json={"customer_id": "C7"})
    assert unknown.status_code == 422
    assert manager.patch("/customers/C1", json={"name": None}).status_code == 422
    assert manager.patch("/customers/NOPE", json={"name": "X"}).status_code == 404
    assert manager.get("/customers", params={"limit": 501}).status_code == 422
