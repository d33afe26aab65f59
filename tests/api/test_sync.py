"""Sync over HTTP from a real second database (the reference Django Ajo schema, as in
tests/sync): a run started in the background, followed until it ends, its data arrived; one
run at a time; the source only from the configuration; who may sync."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import text

from astrofinance.config import Settings
from astrofinance.db import Database, session_scope
from astrofinance.sync.runner import LOCK
from tests.api.live import Api, serve
from tests.sync import source_book as sb
from tests.sync.conftest import empty_source_template, empty_source_url  # noqa: F401


@pytest.fixture
def source(empty_source_url: str) -> str:  # noqa: F811
    """A source holding two loans, their officers and customers, two repayments, a holiday."""
    sb.fill(empty_source_url,
            [sb.loan(10), sb.loan(11, "COMPLETED", borrower=2, agent=2)],
            [sb.repayment(100, 10, "2025-03-03", "1200.00"),
             sb.repayment(101, 10, "2025-03-05", "600.00")],
            [("2025-03-31", "Eid el-Fitr", "PUBLIC", None)])
    return empty_source_url


@pytest.fixture
def synced_api(db: Database, source: str) -> Iterator[Api]:
    """The API configured (SOURCE_DATABASE_URL) with that source."""
    with serve(db, Settings(SOURCE_DATABASE_URL=source)) as url:
        live = Api(url, db)
        yield live
        live.close()


def finished(client, run_id: int, seconds: float = 120) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        r = client.get(f"/sync/runs/{run_id}")
        assert r.status_code == 200, r.text
        if r.json()["data"]["status"] != "running":
            return r.json()["data"]
        time.sleep(0.2)
    raise AssertionError(f"sync run {run_id} still running after {seconds} s")


def count(db: Database, sql: str) -> int:
    with session_scope(db) as conn:
        return conn.execute(text(sql)).scalar_one()


def test_a_sync_started_over_http_brings_the_data(synced_api: Api, source: str) -> None:
    manager = synced_api.as_role("manager")
    assert count(synced_api.db, "SELECT count(*) FROM loans") == 0
    r = manager.post("/sync/runs", json={"command": "full"})
    assert r.status_code == 202, r.text
    run_id = r.json()["data"]["run_id"]
    run = finished(manager, run_id)
    assert run["status"] == "succeeded", run
    assert run["counts"]["loans"]["inserted"] == 2
    assert run["counts"]["repayments"]["inserted"] == 2
    assert "password" not in run["source"]
    assert count(synced_api.db, "SELECT count(*) FROM loans") == 2
    assert count(synced_api.db, "SELECT count(*) FROM repayments") == 2
    # the sync's writes are audited under the caller
    with session_scope(synced_api.db) as conn:
        who = set(conn.execute(text("SELECT DISTINCT changed_by FROM audit_logs "
                                    "WHERE table_name = 'loans'")).scalars())
    assert who == {"manager-user"}

    runs = manager.get("/sync/runs").json()["data"]
    assert runs["total"] == 1 and runs["items"][0]["id"] == run_id
    assert runs["items"][0]["written"] >= 7      # 3 officers, 2 customers, 2 loans, ...
    rows = list(csv.DictReader(io.StringIO(manager.get("/sync/runs",
                                                       params={"format": "csv"}).text)))
    assert [int(x["id"]) for x in rows] == [run_id] and rows[0]["status"] == "succeeded"
    status = manager.get("/sync/status").json()["data"]
    assert status["running"] is None and status["source_configured"] is True
    tracked = {e["entity"]: e for e in status["entities"]}
    assert tracked["loans"]["rows_synced"] == 2 and tracked["loans"]["last_sync_at"]

    # incremental: a new repayment in the source arrives with a repayments run
    with psycopg.connect(source) as conn, conn.cursor() as cur:
        sb.add_repayments(cur, [sb.repayment(102, 10, "2025-03-06", "300.00",
                                             updated="2030-01-01 00:00+00")])
    r = manager.post("/sync/runs", json={"command": "repayments"})
    assert r.status_code == 202, r.text
    second = finished(manager, r.json()["data"]["run_id"])
    assert second["status"] == "succeeded" and second["command"] == "repayments"
    assert second["counts"]["repayments"]["inserted"] == 1
    assert count(synced_api.db, "SELECT count(*) FROM repayments") == 3


def test_one_sync_at_a_time(synced_api: Api) -> None:
    manager = synced_api.as_role("manager")
    url = synced_api.db.url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as other:     # another process is syncing
        other.execute("SELECT pg_advisory_lock(hashtext(%s))", [LOCK])
        busy = other.execute("INSERT INTO sync_runs (command, source, pid) VALUES "
                             "('full', 'elsewhere', 1) RETURNING id").fetchone()[0]
        r = manager.post("/sync/runs", json={"command": "full"})
        assert r.status_code == 409, r.text
        assert f"another sync is running (run {busy}" in r.json()["message"]
        assert manager.get("/sync/status").json()["data"]["running"]["id"] == busy
    assert count(synced_api.db, "SELECT count(*) FROM sync_runs") == 1
    # the lock is free again: the run left 'running' is known dead, a new one starts
    assert manager.get("/sync/status").json()["data"]["running"] is None
    r = manager.post("/sync/runs", json={"command": "holidays"})
    assert r.status_code == 202, r.text
    assert finished(manager, r.json()["data"]["run_id"])["status"] == "succeeded"
    assert manager.get(f"/sync/runs/{busy}").json()["data"]["status"] == "interrupted"


def test_the_source_comes_from_the_configuration_only(api: Api) -> None:
    manager = api.as_role("manager")
    r = manager.post("/sync/runs", json={"command": "full"})
    assert r.status_code == 409 and "SOURCE_DATABASE_URL" in r.json()["message"]
    smuggled = manager.post("/sync/runs", json={"command": "full",
                                                "source_url": "postgresql://evil/db"})
    assert smuggled.status_code == 422
    assert manager.post("/sync/runs", json={"command": "drop-everything"}).status_code == 422
    assert manager.get("/sync/runs/999").status_code == 404
    status = manager.get("/sync/status").json()["data"]
    assert status["source_configured"] is False and status["entities"] == []


def test_only_sync_runners_sync(api: Api) -> None:
    for role in ("loan_officer", "analyst", "viewer"):
        client = api.as_role(role)
        assert client.post("/sync/runs", json={"command": "full"}).status_code == 403, role
        assert client.get("/sync/runs").status_code == 403, role
        assert client.get("/sync/status").status_code == 403, role
    assert api.client().get("/sync/status").status_code == 401
