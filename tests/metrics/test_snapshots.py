"""Daily portfolio snapshots: the stored sums equal the portfolio metrics of the same day and
filters (stored fields and fields computed as of a past day), a full recalculation stores its
day's, a backfill stores each day once, and the CLI commands."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal as D

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from astrofinance.cli.main import app
from astrofinance.errors import ValidationFailed
from astrofinance.metrics.portfolio import PortfolioFilters, portfolio_metrics
from astrofinance.metrics.service import recalculate
from astrofinance.metrics.snapshots import (
    PAR_DAYS,
    backfill,
    snapshot_days,
    store_snapshot,
    trend,
)
from tests.metrics.book import add_loan, add_officer, day, pay
from tests.metrics.portfolio_book import T, build_book

runner = CliRunner()
TODAY = day("2026-01-15")


@pytest.fixture
def book(db):
    """The hand-written book of portfolio_book.py (stored fields as of T), with products."""
    with db.begin() as conn:
        build_book(conn)
        conn.execute(text("UPDATE loans SET product = CASE WHEN loan_id IN ('L1', 'L2', 'L4') "
                          "THEN 'AJO' ELSE 'BIZ' END"))
    return db


@pytest.fixture
def live(db):
    """Real loans and repayments (fields from the engine), one without an officer."""
    with db.begin() as c:
        add_officer(c, "OA", hire_date="2024-01-01")
        add_officer(c, "OB", hire_date="2025-10-01")
        c.execute(text("UPDATE officers SET branch = CASE officer_id WHEN 'OA' THEN 'Ikeja' "
                       "ELSE 'Wuse' END"))
        a = add_loan(c, "A1", principal="10000.00", interest="2000.00", n=10,
                     disbursed="2025-02-28", first_due="2025-03-03", officer_id="OA")
        for on, amount in (("2025-03-03", "1200.00"), ("2025-03-05", "600.00"),
                           ("2025-03-11", "3000.00")):
            pay(c, a, on, amount)
        b = add_loan(c, "B1", principal="5000.00", n=5, frequency="weekly",
                     disbursed="2025-01-02", first_due="2025-01-09", officer_id="OB")
        pay(c, b, "2025-01-09", "1000.00")
        add_loan(c, "B2", principal="3000.00", n=3, frequency="monthly",
                 disbursed="2025-03-04", first_due="2025-04-04", officer_id="OB")
        add_loan(c, "N1", principal="2000.00", n=4, frequency="weekly",
                 disbursed="2025-02-03", first_due="2025-02-10")   # no officer
        c.execute(text("UPDATE loans SET product = 'AJO' WHERE loan_id IN ('A1', 'N1')"))
    return db


def _day_totals(conn, on: dt.date, filters: PortfolioFilters | None = None) -> dict:
    rows = trend(conn, filters, on, on)
    assert [r["as_of"] for r in rows] == [on]
    return rows[0]


def _assert_same(row: dict, conn, on: dt.date, filters: PortfolioFilters | None = None) -> None:
    """The snapshot's sums are the portfolio metrics' numbers for the same day and filters."""
    k = portfolio_metrics(conn, as_of=on, filters=filters, par_days=list(PAR_DAYS)).total
    assert row["loans_on_books"] == k.loans_on_books
    assert row["gross_loan_portfolio"] == k.gross_loan_portfolio
    assert row["overdue_amount"] == k.overdue_amount
    assert row["arrears_rate"] == k.arrears_rate
    for x in PAR_DAYS:
        assert row[f"par{x}_amount"] == k.par_amounts[x], x
        assert row[f"loans_par{x}"] == k.par_counts[x], x
        assert row[f"par{x}_rate"] == k.par(x), x


def test_the_stored_day_is_the_portfolio_metrics_worked_by_hand(book):
    with book.begin() as c:
        rows = store_snapshot(c, T)
        # O1 and O2 x their waves x AJO/BIZ: O1 Wave 1 AJO (L1, L2), BIZ (L3, L10);
        # O2 Wave 2 AJO (L4), BIZ (L5, L6, L12)
        assert rows == 4
        row = _day_totals(c, T)
        assert (row["loans_on_books"], row["gross_loan_portfolio"]) == (8, D("33600.00"))
        assert (row["par30_amount"], row["par30_rate"]) == (D("12600.00"), D("37.50"))
        assert [row[f"par{x}_rate"] for x in PAR_DAYS] == [
            D("58.33"), D("43.45"), D("37.50"), D("2.98")]
        assert (row["overdue_amount"], row["arrears_rate"]) == (D("5700.00"), D("16.96"))
        _assert_same(row, c, T)


@pytest.mark.parametrize("filters", [
    PortfolioFilters(branch=("Ikeja",)),
    PortfolioFilters(region=("Abuja",)),
    PortfolioFilters(officer=("O2",)),
    PortfolioFilters(supervisor=("s2@astro.NG",)),
    PortfolioFilters(vertical_lead=("v1@astro.ng",)),
    PortfolioFilters(wave=("2",)),
    PortfolioFilters(product=("AJO",)),
    PortfolioFilters(branch=("Ikeja", "Wuse"), product=("BIZ",)),
    PortfolioFilters(scope=("O1",)),
    PortfolioFilters(scope=()),
    PortfolioFilters(branch=("Nowhere",)),
], ids=repr)
def test_filters_give_the_portfolio_metrics_of_the_same_filters(book, filters):
    with book.begin() as c:
        store_snapshot(c, T)
        _assert_same(_day_totals(c, T, filters), c, T, filters)


def test_nothing_in_scope_is_zero_with_no_rate(book):
    with book.begin() as c:
        store_snapshot(c, T)
        row = _day_totals(c, T, PortfolioFilters(scope=()))
    assert (row["loans_on_books"], row["gross_loan_portfolio"], row["par30_rate"]) == (
        0, D("0.00"), None)


def test_disbursement_filters_are_ignored(book):
    with book.begin() as c:
        store_snapshot(c, T)
        narrowed = PortfolioFilters(officer=("O1",), disbursed_from=day("2025-09-01"))
        assert _day_totals(c, T, narrowed) == _day_totals(c, T, PortfolioFilters(
            officer=("O1",)))


def test_past_days_are_computed_as_the_portfolio_metrics_compute_them(live):
    with live.begin() as c:
        recalculate(c, day("2025-03-12"))            # the stored day, with its snapshot
        for on in ("2025-02-15", "2025-03-07", "2025-04-20"):
            store_snapshot(c, day(on))
    with live.begin() as c:
        for on in ("2025-02-15", "2025-03-07", "2025-03-12", "2025-04-20"):
            row = _day_totals(c, day(on))
            assert row["gross_loan_portfolio"] > 0
            _assert_same(row, c, day(on))
            for f in (PortfolioFilters(branch=("Wuse",)), PortfolioFilters(product=("AJO",)),
                      PortfolioFilters(officer=("OA",)), PortfolioFilters(scope=("OA", "OB"))):
                _assert_same(_day_totals(c, day(on), f), c, day(on), f)
        # the worked example's loan on Mar 12: principal 6,000.00 at 5 days past due
        a = _day_totals(c, day("2025-03-12"), PortfolioFilters(officer=("OA",)))
        assert (a["gross_loan_portfolio"], a["par1_amount"], a["par7_amount"]) == (
            D("6000.00"), D("6000.00"), D("0.00"))
        late = _day_totals(c, day("2025-04-20"))
        assert late["par30_amount"] > 0


def test_a_loan_without_an_officer_has_an_empty_officer(live):
    with live.begin() as c:
        store_snapshot(c, day("2025-03-12"))
        officers = c.execute(text("SELECT officer_id, branch, product FROM portfolio_snapshots "
                                  "ORDER BY 1")).all()
    assert [tuple(r) for r in officers] == [
        ("", "", "AJO"), ("OA", "Ikeja", "AJO"), ("OB", "Wuse", "")]


def test_a_full_recalculation_stores_its_snapshot_and_a_partial_one_does_not(live):
    with live.begin() as c:
        result = recalculate(c, day("2025-03-12"))
        assert result.total_loans_processed == 4
        before = _day_totals(c, day("2025-03-12"))
        _assert_same(before, c, day("2025-03-12"))
    with live.begin() as c:
        pay(c, "A1", "2025-03-12", "3600.00")   # installments 5-7: no longer late
        recalculate(c, day("2025-03-12"), ["A1"])
        assert _day_totals(c, day("2025-03-12")) == before     # not stored again
        recalculate(c, day("2025-03-12"))
        after = _day_totals(c, day("2025-03-12"))
        assert after["par1_amount"] == before["par1_amount"] - D("6000.00")
        _assert_same(after, c, day("2025-03-12"))
        days = c.execute(text("SELECT DISTINCT as_of FROM portfolio_snapshots")).scalars()
        assert list(days) == [day("2025-03-12")]


def test_storing_a_day_again_replaces_its_rows(book):
    with book.begin() as c:
        store_snapshot(c, T)
        c.execute(text("UPDATE loans SET officer_id = 'O1' WHERE officer_id = 'O2'"))
        store_snapshot(c, T)
        officers = c.execute(text("SELECT DISTINCT officer_id FROM portfolio_snapshots"))
        assert list(officers.scalars()) == ["O1"]
        _assert_same(_day_totals(c, T), c, T)


def test_storing_a_snapshot_moves_the_data_version(book):
    """The API's cache (migration 0009) must not serve a trend from before a backfill."""
    from astrofinance.api.cache import data_version

    with book.begin() as c:
        before = data_version(c)
    with book.begin() as c:
        store_snapshot(c, T)
    with book.begin() as c:
        assert data_version(c).number > before.number


_ROW_SUMS = """
SELECT as_of, sum(gross_loan_portfolio), sum(par1_amount), sum(par7_amount), sum(par30_amount),
       sum(par90_amount), sum(overdue_amount), sum(loans_on_books), sum(loans_par1),
       sum(loans_par7), sum(loans_par30), sum(loans_par90)
FROM portfolio_snapshots GROUP BY as_of ORDER BY as_of"""
_DAY_TOTALS = """
SELECT as_of, gross_loan_portfolio, par1_amount, par7_amount, par30_amount, par90_amount,
       overdue_amount, loans_on_books, loans_par1, loans_par7, loans_par30, loans_par90
FROM portfolio_snapshot_days ORDER BY as_of"""


@pytest.mark.parametrize("change", [
    "UPDATE portfolio_snapshots SET gross_loan_portfolio = gross_loan_portfolio + 1000, "
    "loans_on_books = loans_on_books + 1 WHERE officer_id = 'O1'",
    "UPDATE portfolio_snapshots SET as_of = as_of - 2 WHERE as_of = '{T}' AND officer_id = 'O2'",
    "DELETE FROM portfolio_snapshots WHERE officer_id = 'O2'",
    "DELETE FROM portfolio_snapshots WHERE as_of = '{T}'",
    "TRUNCATE portfolio_snapshots",
    "INSERT INTO portfolio_snapshots SELECT as_of + 1, officer_id, branch, region, "
    "supervisor_email, vertical_lead_email, wave, product, gross_loan_portfolio, par1_amount, "
    "par7_amount, par30_amount, par90_amount, overdue_amount, loans_on_books, loans_par1, "
    "loans_par7, loans_par30, loans_par90 FROM portfolio_snapshots",
], ids=lambda s: s.split(" portfolio_snapshots")[0] + s[40:70])
def test_the_day_totals_follow_every_write_of_the_snapshots(book, change):
    """The book-wide trend reads portfolio_snapshot_days (migration 0022): whoever writes the
    snapshot rows (an operator's SQL too), each day's totals are the sums of its rows, and
    the snapshots' counter moves on, so a cached trend is recomputed."""
    from astrofinance.db.versions import read_counter

    with book.begin() as c:
        store_snapshot(c, T)
        store_snapshot(c, T - dt.timedelta(days=7))
        assert c.execute(text(_DAY_TOTALS)).all() == c.execute(text(_ROW_SUMS)).all()
        assert len(c.execute(text(_DAY_TOTALS)).all()) == 2
    with book.begin() as c:
        before = read_counter(c, "snapshots_version").number
        c.execute(text(change.replace("{T}", T.isoformat())))
    with book.begin() as c:
        assert read_counter(c, "snapshots_version").number > before
        assert c.execute(text(_DAY_TOTALS)).all() == c.execute(text(_ROW_SUMS)).all()
        rows = trend(c, None, T - dt.timedelta(days=30), T + dt.timedelta(days=30))
        by_officer = trend(c, PortfolioFilters(officer=("O1", "O2")),
                           T - dt.timedelta(days=30), T + dt.timedelta(days=30))
        assert rows == by_officer      # the day totals are the rows' sums, day by day


def test_backfill_stores_each_day_once(live):
    seen: list[tuple] = []
    start, end = day("2025-03-01"), day("2025-03-05")
    result = backfill(live, start, end, progress=lambda *a: seen.append(a), today=TODAY)
    assert (result.days, [s[1:] for s in seen]) == (5, [(i, 5) for i in range(1, 6)])
    assert [s[0] for s in seen] == [start + dt.timedelta(days=i) for i in range(5)]
    with live.begin() as c:
        first = c.execute(text("SELECT * FROM portfolio_snapshots ORDER BY 1, 2")).all()
        assert len({r.as_of for r in first}) == 5 and len(first) == result.rows
        for on in (start, end):
            _assert_same(_day_totals(c, on), c, on)
    again = backfill(live, start, end, today=TODAY)
    with live.begin() as c:
        second = c.execute(text("SELECT * FROM portfolio_snapshots ORDER BY 1, 2")).all()
    assert again.rows == result.rows
    assert [r[:-1] for r in second] == [r[:-1] for r in first]   # all but computed_at


def test_backfill_every_n_days_ends_on_the_last_day(live):
    with live.begin() as c:
        result = backfill(c, day("2025-03-01"), day("2025-03-10"), every=4, today=TODAY)
        stored = list(c.execute(text("SELECT DISTINCT as_of FROM portfolio_snapshots "
                                     "ORDER BY 1")).scalars())
    assert result.days == 4
    assert stored == [day(d) for d in ("2025-03-01", "2025-03-05", "2025-03-09", "2025-03-10")]


@pytest.mark.parametrize(("start", "end", "every", "message"), [
    ("2025-03-02", "2025-03-01", 1, "starts (2025-03-02) after it ends"),
    ("2026-01-10", "2026-01-16", 1, "after today (2026-01-15)"),
    ("2015-01-01", "2025-12-31", 1, "more than 3,660 days"),
    ("2025-03-01", "2025-03-02", 0, "at least 1 day"),
    ("1989-12-31", "1990-01-02", 1, "within 1990-01-01..2100-12-31"),
])
def test_bad_spans_are_refused(start, end, every, message):
    with pytest.raises(ValidationFailed, match=re.escape(message)):
        snapshot_days(day(start), day(end), every, today=TODAY)


def test_trend_lists_the_days_with_a_snapshot_in_order(live):
    with live.begin() as c:
        for on in ("2025-03-10", "2025-03-03", "2025-03-05"):
            store_snapshot(c, day(on))
        rows = trend(c, None, day("2025-03-04"), day("2025-03-31"))
        assert [r["as_of"] for r in rows] == [day("2025-03-05"), day("2025-03-10")]
        with pytest.raises(ValidationFailed):
            trend(c, None, day("2025-03-05"), day("2025-03-04"))


# --- the CLI ---------------------------------------------------------------------------------

def _cli(*args: str):
    return runner.invoke(app, ["metrics", *args])


def test_cli_snapshot_backfill_and_trend(live):
    r = _cli("snapshot", "--as-of", "2025-03-12")
    assert r.exit_code == 0, r.output
    assert "Portfolio snapshot as of 2025-03-12: 3 rows stored." in r.output
    r = _cli("backfill", "--from", "2025-03-01", "--to", "2025-03-09", "--every", "3")
    assert r.exit_code == 0, r.output
    assert "Backfilled 4 day(s) 2025-03-01 .. 2025-03-09" in r.output
    r = _cli("trend", "--from", "2025-03-01", "--to", "2025-03-31", "--format", "json",
             "--branch", "Ikeja")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert (out["from"], out["to"], out["filters"]) == (
        "2025-03-01", "2025-03-31", {"branch": ["Ikeja"]})
    assert [s["as_of"] for s in out["series"]] == [
        "2025-03-01", "2025-03-04", "2025-03-07", "2025-03-09", "2025-03-12"]
    last = out["series"][-1]
    assert (last["gross_loan_portfolio"], last["par1_amount"], last["par1_rate"],
            last["par30_rate"]) == ("6000.00", "6000.00", 100.0, 0.0)
    r = _cli("trend", "--from", "2025-03-01", "--to", "2025-03-31")
    assert r.exit_code == 0, r.output
    assert "2025-03-12" in r.output and "₦" in r.output


def test_cli_refuses_bad_spans(db):
    r = _cli("backfill", "--from", "2025-03-02", "--to", "2025-03-01")
    assert r.exit_code == 1
    assert "starts (2025-03-02) after it ends (2025-03-01)" in r.output
    assert "Traceback" not in r.output
    r = _cli("backfill", "--from", "2025-01-01", "--to", "2999-01-01")
    assert r.exit_code == 1 and "after today" in r.output
    r = _cli("snapshot", "--as-of", "2999-01-01")
    assert r.exit_code == 1 and "after today" in r.output
    r = _cli("backfill", "--from", "2025-02-30")
    assert r.exit_code == 2 and "YYYY-MM-DD" in r.output
    r = _cli("backfill", "--from", "2025-01-01", "--every", "0")
    assert r.exit_code == 2
    r = _cli("trend", "--from", "2025-03-01", "--to", "2025-03-31")
    assert r.exit_code == 0 and "no snapshot in that span" in r.output
