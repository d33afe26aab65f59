"""Input the database cannot take or the API does not know is refused with a 422 naming the
field, never a server error: NUL characters, unknown body fields; empty CSVs keep a header."""

from __future__ import annotations

from tests.api.book import seeded_book
from tests.api.live import PASSWORD, Api
from tests.api.loanbook import book


def test_nul_characters_are_a_422_naming_the_field(api: Api) -> None:
    seeded_book(api.db, loans=10)
    c = api.as_role("manager")
    for path, params, field in (("/loans", {"q": "a\x00b"}, "query.q"),
                                ("/loans", {"branch": "\x00"}, "query.branch"),
                                ("/customers", {"q": "\x00"}, "query.q"),
                                ("/metrics/portfolio", {"branch": "x\x00"}, "query.branch"),
                                ("/loans/%00", {}, "path"),
                                ("/accounting/ledger/1%00", {}, "path")):
        r = c.get(path, params=params)
        assert r.status_code == 422, (path, r.text)
        body = r.json()
        assert body["error"]["details"][0]["field"] == field and "NUL" in body["message"]
        assert r.headers["X-Request-ID"]
    api.user("ada", "viewer")
    r = api.client().post("/auth/login", json={"username": "a\u0000da", "password": PASSWORD})
    assert r.status_code == 422, r.text
    r = c.post("/customers", json={"customer_id": "C\u00009", "name": "Ada Obi",
                                   "phone": "08012345678"})
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "body", r.text


def test_unknown_body_fields_are_refused(api: Api) -> None:
    seeded_book(api.db, loans=10)
    c = api.as_role("admin")
    r = c.post("/loans/recalculate-fields", json={"asof": "2026-01-30"})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["details"][0]["field"] == "body.asof"
    api.user("emeka", "viewer")
    r = c.patch("/users/emeka", json={"role": "analyst", "nickname": "Emy"})
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "body.nickname"
    assert c.get("/users/emeka").json()["data"]["role"] == "viewer"   # nothing changed


def test_an_empty_csv_keeps_its_header(api: Api) -> None:
    book(api.db)
    c = api.as_role("manager")
    r = c.get("/loans/L1/repayments", params={"format": "csv"})
    assert r.status_code == 200, r.text
    assert r.text.splitlines() == ["repayment_id,payment_date,payment_amount,is_reversed,"
                                   "channel,reference,source_system,created_at,updated_at"]


def test_filter_values_name_their_field_and_csv_ignores_the_page_size(api: Api) -> None:
    seeded_book(api.db, loans=10)
    c = api.as_role("manager")
    for params, field in (({"status": "bogus"}, "query.status"), ({"wave": "W2"}, "query.wave")):
        r = c.get("/loans", params=params)
        assert r.status_code == 422, r.text
        assert r.json()["error"]["details"][0]["field"] == field
        assert r.json()["message"].startswith(f"invalid {field}: ")
    assert c.get("/loans", params={"limit": 1000}).status_code == 422
    r = c.get("/loans", params={"limit": 1000, "format": "csv"})
    assert r.status_code == 200 and len(r.text.splitlines()) == 11      # header + every loan
    one = c.get("/loans", params={"q": "LN0000001"}).json()
    assert one["message"] == "1 loan" and one["data"]["total"] == 1
