"""The summary cache (api/cache.py): reused while the data version stands, recomputed as soon
as a committed change moves it (migration 0009's triggers), never across callers' scopes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text

from astrofinance.api.cache import VersionedCache, data_version
from astrofinance.config import get_settings
from astrofinance.db import Database, session_scope
from tests.api.book import seeded_book, two_officers
from tests.api.live import Api, serve


def test_entries_live_until_the_data_version_moves(db: Database) -> None:
    cache = VersionedCache(seconds=60)
    calls: list[int] = []

    def compute(conn) -> int:
        calls.append(1)
        return conn.execute(text("SELECT count(*) FROM loans")).scalar_one()

    with session_scope(db) as conn:
        before = data_version(conn)
        assert cache.get(conn, "k", compute) == 0
        assert cache.get(conn, "k", compute) == 0 and len(calls) == 1   # reused
        assert cache.get(conn, "other", compute) == 0 and len(calls) == 2
    seeded_book(db, loans=5)
    with session_scope(db) as conn:
        assert data_version(conn).number > before.number
        assert cache.get(conn, "k", compute) == 5 and len(calls) == 3   # recomputed
    for table in ("customers", "officers", "repayments", "payment_schedules", "holidays",
                  "wave_rules"):
        with db.begin() as conn:
            moved = data_version(conn)
            conn.execute(text(f"DELETE FROM {table} WHERE false"))
        with session_scope(db) as conn:
            assert data_version(conn).number > moved.number, table


def test_time_to_live_and_off(db: Database) -> None:
    """Off: nothing is kept. An entry computed while no change was in flight (settled) lasts
    past the time to live, until the data version moves."""
    calls: list[int] = []
    with session_scope(db) as conn:
        off = VersionedCache(seconds=0)
        off.get(conn, "k", lambda c: calls.append(1))
        off.get(conn, "k", lambda c: calls.append(1))
        assert len(calls) == 2
        short = VersionedCache(seconds=0.05)
        assert data_version(conn).settled
        short.get(conn, "k", lambda c: calls.append(1) or 1)
        conn.execute(text("SELECT pg_sleep(0.1)"))
        short.get(conn, "k", lambda c: calls.append(1) or 1)
        assert len(calls) == 3
    with db.begin() as c:
        c.execute(text("DELETE FROM holidays WHERE false"))
    with session_scope(db) as conn:
        short.get(conn, "k", lambda c: calls.append(1) or 1)
        assert len(calls) == 4


def test_an_entry_computed_while_a_change_commits_lives_only_the_time_to_live(
        db: Database) -> None:
    """The race the version cannot see: a change has moved the version but not committed
    when a request reads it and computes. That entry misses the change, so it is kept only
    for the time to live; computed again after the commit, it has the change."""
    cache = VersionedCache(seconds=0.2)
    calls: list[int] = []

    def count(conn) -> int:
        calls.append(1)
        return conn.execute(text("SELECT count(*) FROM holidays")).scalar_one()

    writer = db.engine.connect()
    try:
        w = writer.begin()
        writer.execute(text("INSERT INTO holidays (holiday_date, name, source) "
                            "VALUES ('2031-03-05', 'Cache test day', 'manual')"))
        with session_scope(db) as conn:
            version = data_version(conn)
            assert not version.settled
            before = cache.get(conn, "holidays", count, version)
        w.commit()                                 # the version does not move again
        with session_scope(db) as conn:
            assert data_version(conn).number == version.number
            assert cache.get(conn, "holidays", count) == before   # within the time to live
            conn.execute(text("SELECT pg_sleep(0.3)"))
            assert cache.get(conn, "holidays", count) == before + 1
        assert len(calls) == 2
    finally:
        writer.close()


def test_a_change_shows_in_the_next_list_summary(api: Api) -> None:
    seeded_book(api.db)
    c = api.as_role("manager")
    first = c.get("/loans").json()["data"]
    again = c.get("/loans").json()["data"]
    assert again["summary"] == first["summary"]
    with api.db.begin() as conn:
        conn.execute(text("UPDATE loans SET principal_outstanding = principal_outstanding + 1000 "
                          "WHERE loan_id = (SELECT min(loan_id) FROM loans "
                          "WHERE status = 'Active' AND principal_outstanding > 0)"))
    after = c.get("/loans").json()["data"]
    assert after["total"] == first["total"]
    assert (Decimal(after["summary"]["gross_loan_portfolio"])
            == Decimal(first["summary"]["gross_loan_portfolio"]) + 1000)
    portfolio = c.get("/metrics/portfolio").json()["data"]
    with api.db.begin() as conn:
        conn.execute(text("UPDATE loans SET status = 'Closed', closed_on = fields_as_of "
                          "WHERE status = 'Active' AND loan_id IN "
                          "(SELECT loan_id FROM loans WHERE status = 'Active' LIMIT 3)"))
    changed = c.get("/metrics/portfolio").json()["data"]
    assert changed["loans_on_books"] == portfolio["loans_on_books"] - 3


def test_cached_summaries_stay_within_each_scope(api: Api) -> None:
    seeded_book(api.db)
    mine, _ = two_officers(api.db)
    everyone = api.as_role("manager").get("/loans").json()["data"]
    officer = api.as_role("loan_officer", email=mine["email"]).get("/loans").json()["data"]
    with session_scope(api.db) as conn:
        own = conn.execute(text("SELECT count(*) FROM loans WHERE officer_id = :o"),
                           {"o": mine["officer_id"]}).scalar_one()
    assert officer["total"] == officer["summary"]["loans"] == own < everyone["total"]
    portfolio_all = api.as_role("manager").get("/metrics/portfolio").json()["data"]
    portfolio_own = api.as_role("loan_officer", email=mine["email"]).get(
        "/metrics/portfolio").json()["data"]
    assert portfolio_own["loans_on_books"] < portfolio_all["loans_on_books"]


@pytest.mark.parametrize("cache_seconds", [10, 0])
def test_pages_within_and_past_the_kept_ids_are_the_lists_pages(db: Database,
                                                               cache_seconds: int) -> None:
    seeded_book(db)
    settings = get_settings().model_copy(update={"api_cache_rows": 20,
                                                 "api_cache_seconds": cache_seconds})
    with serve(db, settings) as url:
        api = Api(url, db)
        c = api.as_role("manager")
        with session_scope(db) as conn:
            expected = list(conn.execute(text(
                "SELECT loan_id FROM loans WHERE status = 'Active' "
                "ORDER BY principal_outstanding DESC NULLS LAST, loan_id DESC")).scalars())
        seen: list[str] = []
        for page in range(1, (len(expected) + 6) // 7 + 2):   # 7 a page: 20 kept ids end mid-page
            r = c.get("/loans", params={"status": "Active", "sort": "principal_outstanding",
                                        "order": "desc", "limit": 7, "page": page})
            assert r.status_code == 200, r.text
            seen += [i["loan_id"] for i in r.json()["data"]["items"]]
        assert seen == expected and len(expected) > 20
        with db.begin() as conn:   # the last loan becomes the first
            conn.execute(text("UPDATE loans SET principal_outstanding = "
                              "(SELECT max(principal_outstanding) + 1 FROM loans) "
                              "WHERE loan_id = :id"), {"id": expected[-1]})
        first = c.get("/loans", params={"status": "Active", "sort": "principal_outstanding",
                                        "order": "desc", "limit": 7}).json()["data"]["items"]
        assert first[0]["loan_id"] == expected[-1]
        api.close()
