"""The ledger's reports over HTTP: a payment's journal entries, a balanced trial balance and
balance sheet, the ledger, the income statement, the reconciliation, CSV; who may read them."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from sqlalchemy import text

from astrofinance.db import session_scope
from tests.api.live import Api
from tests.api.loanbook import book, officer_client
from tests.api.test_lending import PAY


def paid(api: Api) -> dict:
    book(api.db)
    r = officer_client(api).post("/payments", json=PAY, headers={"Idempotency-Key": "k1"})
    assert r.status_code == 201, r.text
    return r.json()["data"]["payment"]


def test_a_payment_shows_in_the_journal_and_the_books_balance(api: Api) -> None:
    payment = paid(api)
    analyst = api.as_role("analyst")
    r = analyst.get("/accounting/journal-entries", params={"loan_id": "L1"})
    assert r.status_code == 200, r.text
    entries = r.json()["data"]["items"]
    entry = next(e for e in entries if e["transaction_id"] == payment["transaction_id"])
    assert entry["created_by"] == "ada" and entry["date"] == "2025-03-03"
    debits = sum(Decimal(x["debit"]) for x in entry["lines"])
    credits = sum(Decimal(x["credit"]) for x in entry["lines"])
    assert debits == credits == Decimal("1014.00")
    assert {x["account_code"] for x in entry["lines"] if Decimal(x["debit"])} == {"1000"}
    assert all(e["loan_id"] == "L1" for e in entries)

    rows = list(csv.DictReader(io.StringIO(analyst.get(
        "/accounting/journal-entries", params={"loan_id": "L1", "format": "csv"}).text)))
    assert {int(x["transaction_id"]) for x in rows} >= {payment["transaction_id"]}
    assert len(rows) == sum(len(e["lines"]) for e in entries)

    tb = analyst.get("/accounting/trial-balance").json()["data"]
    assert tb["balanced"] is True and tb["total_debits"] == tb["total_credits"]
    assert Decimal(tb["total_debits"]) > 0
    cash = next(a for a in tb["accounts"] if a["code"] == "1000")
    assert (cash["debits"], cash["credits"]) == ("1014.00", "20000.00")
    before = analyst.get("/accounting/trial-balance", params={"as_of": "2025-02-27"})
    assert before.json()["data"]["total_debits"] == "0.00"
    tb_csv = list(csv.DictReader(io.StringIO(analyst.get(
        "/accounting/trial-balance", params={"format": "csv"}).text)))
    assert {x["code"] for x in tb_csv} == {a["code"] for a in tb["accounts"]}

    sheet = analyst.get("/accounting/balance-sheet").json()["data"]
    assert sheet["balanced"] is True
    income = analyst.get("/accounting/income-statement",
                         params={"date_from": "2025-03-01", "date_to": "2025-03-31"})
    assert income.status_code == 200 and income.json()["data"]["total_income"] == "14.00"
    rec = analyst.get("/accounting/reconciliation").json()["data"]
    assert rec["balanced"] is True and rec["checks"]
    assert all(c["difference"] == "0.00" for c in rec["checks"])


def test_ledger_chart_and_provisioning(api: Api) -> None:
    payment = paid(api)
    viewer = api.as_role("viewer")
    ledger = viewer.get("/accounting/ledger/1100", params={"date_from": "2025-03-01"})
    assert ledger.status_code == 200, ledger.text
    data = ledger.json()["data"]
    assert data["opening_balance"] == "20000.00"        # two loans of 10,000 disbursed
    assert data["closing_balance"] == "19000.00"
    assert [x["transaction_id"] for x in data["lines"]] == [payment["transaction_id"]]
    lines = list(csv.DictReader(io.StringIO(viewer.get(
        "/accounting/ledger/1100", params={"format": "csv"}).text)))
    assert [x["balance"] for x in lines] == ["10000.00", "20000.00", "19000.00"]
    assert viewer.get("/accounting/ledger/9999").status_code == 404
    chart = viewer.get("/accounting/chart").json()["data"]
    assert {"1000", "1100", "4000"} <= {a["code"] for a in chart["items"]}
    prov = viewer.get("/accounting/provisioning", params={"as_of": "2025-03-03"})
    assert prov.status_code == 200 and prov.json()["data"]["loans"] == 2
    assert prov.json()["data"]["posted_entry_id"] is None
    bad = viewer.get("/accounting/income-statement",
                     params={"date_from": "2025-04-01", "date_to": "2025-03-01"})
    assert bad.status_code == 422
    assert viewer.get("/accounting/income-statement").status_code == 422     # dates required


def test_a_reconciliation_difference_is_reported_not_hidden(api: Api) -> None:
    paid(api)
    with session_scope(api.db) as conn:   # a hand-made entry that moves 1100 alone
        conn.execute(text("SET CONSTRAINTS ALL DEFERRED"))
        entry = conn.execute(text(
            "INSERT INTO journal_entries (entry_date, entry_type, description, created_by) "
            "VALUES (DATE '2025-03-03', 'manual', 'test', 'test') RETURNING id")).scalar()
        conn.execute(text(
            "INSERT INTO journal_entry_details (entry_id, account_code, debit, credit) "
            "VALUES (:e, '1100', 5, 0), (:e, '3000', 0, 5)"), {"e": entry})
    r = api.as_role("manager").get("/accounting/reconciliation")
    assert r.status_code == 200
    assert r.json()["data"]["balanced"] is False
    check = next(c for c in r.json()["data"]["checks"] if c["account_code"] == "1100")
    assert check["difference"] == "5.00"


def test_scoped_roles_never_see_the_ledger(api: Api) -> None:
    book(api.db)
    ada = officer_client(api)
    r = ada.get("/accounting/trial-balance")
    assert r.status_code == 403
    with session_scope(api.db) as conn:       # even when granted the permission
        conn.execute(text("INSERT INTO permissions VALUES ('loan_officer', 'accounting.read')"))
    for path in ("/accounting/trial-balance", "/accounting/journal-entries",
                 "/accounting/chart", "/accounting/reconciliation"):
        r = ada.get(path)
        assert r.status_code == 403, path
        assert "whole book" in r.json()["message"]
    assert api.client().get("/accounting/chart").status_code == 401
