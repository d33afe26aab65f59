"""The loan cube (migration 0024): the portfolio figures read from it are the figures read
from the loans; it stays equal to a rebuild from the loans through every kind of write; a
bulk recalculation marks it stale (the figures then come from the loans) and the service
rebuilds it."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict

import pytest
from sqlalchemy import text

from astrofinance.metrics.officers import group_rollup
from astrofinance.metrics.portfolio import (
    GROUP_KEYS,
    PortfolioFilters,
    cube_ready,
    portfolio_metrics,
)
from astrofinance.metrics.service import recalculate, refresh_loan_fields
from tests.metrics.book import add_loan, pay
from tests.metrics.portfolio_book import T, recalculated_book

CUBE = """
SELECT fields_as_of, officer_id, branch, region, supervisor_email, vertical_lead_email,
       vertical_lead_name, wave, product, dpd_lo, on_books, counted, loans,
       principal_outstanding, overdue_amount, dpd_sum, dpd_n, early_indicators, fimr_eligible,
       fimr_tagged
FROM loan_cube WHERE loans <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12"""


@pytest.fixture
def book(db):
    return recalculated_book(db)


def _cube(conn) -> list:
    return [tuple(r) for r in conn.execute(text(CUBE))]


def _rebuilt(conn) -> list:
    conn.execute(text("SELECT loan_cube_rebuild()"))
    return _cube(conn)


def _valid(conn) -> bool:
    return conn.execute(text("SELECT valid FROM loan_cube_state")).scalar()


def _figures(report) -> list[dict]:
    return [asdict(k) for k in [report.total, *report.groups]]


@pytest.mark.parametrize("group_by", [None, *GROUP_KEYS])
@pytest.mark.parametrize("filters", [
    PortfolioFilters(),
    PortfolioFilters(branch=("Ikeja",)),
    PortfolioFilters(officer=("O2",)),
    PortfolioFilters(supervisor=("S2@astro.ng",)),
    PortfolioFilters(wave=("1",), product=("AJO", "BIZ")),
    PortfolioFilters(scope=("O1",)),
    PortfolioFilters(scope=()),
], ids=repr)
def test_the_cube_gives_the_figures_the_loans_give(book, group_by, filters):
    with book.begin() as conn:
        conn.execute(text("UPDATE loans SET product = CASE WHEN loan_id IN ('L1', 'L4') "
                          "THEN 'AJO' ELSE 'BIZ' END"))
        assert cube_ready(conn, filters, [1, 7, 30, 90])
        for cohorts in (True, False):
            kw = {"filters": filters, "group_by": group_by, "cohorts": cohorts}
            from_cube = portfolio_metrics(conn, **kw)
            from_loans = portfolio_metrics(conn, cube=False, **kw)
            assert _figures(from_cube) == _figures(from_loans)
        if group_by in ("branch", "vertical_lead"):
            rollup = group_rollup(conn, group_by, filters)
            assert rollup.total["officers"] > 0 or filters.scope == ()
            conn.execute(text("UPDATE loan_cube_state SET valid = false"))
            assert group_rollup(conn, group_by, filters) == rollup


def test_the_figures_are_read_from_the_cube(book):
    """Were the cube not read, a change to it alone could not show."""
    with book.begin() as conn:
        before = portfolio_metrics(conn).total
        conn.execute(text("UPDATE loan_cube SET principal_outstanding = "
                          "principal_outstanding + 1000 WHERE ctid = (SELECT ctid FROM "
                          "loan_cube WHERE on_books AND loans > 0 LIMIT 1)"))
        after = portfolio_metrics(conn).total
        assert after.gross_loan_portfolio == before.gross_loan_portfolio + 1000
        assert portfolio_metrics(conn, cube=False).total.gross_loan_portfolio == (
            before.gross_loan_portfolio)


def test_thresholds_and_filters_the_cube_cannot_give_read_the_loans(book):
    with book.begin() as conn:
        assert not cube_ready(conn, PortfolioFilters(), [1, 14])
        assert not cube_ready(conn, PortfolioFilters(disbursed_from=T))
        conn.execute(text("UPDATE loan_cube SET loans = loans + 5"))   # would show if read
        for kw in ({"par_days": [14]}, {"filters": PortfolioFilters(disbursed_to=T)}):
            assert _figures(portfolio_metrics(conn, **kw)) == _figures(
                portfolio_metrics(conn, cube=False, **kw))


@pytest.mark.parametrize("change", [
    "UPDATE loans SET officer_id = 'O1' WHERE loan_id IN ('L4', 'L5')",
    "UPDATE loans SET branch = 'Wuse', supervisor_email = 'NEW@astro.ng' WHERE loan_id = 'L1'",
    "UPDATE loans SET status = 'Closed', closed_on = '2025-11-29' WHERE loan_id = 'L3'",
    "UPDATE loans SET current_dpd = 65, max_dpd_ever = 65, principal_outstanding = 1 "
    "WHERE loan_id = 'L2'",
    "UPDATE loans SET fimr_tagged = NOT fimr_tagged, early_indicator_tagged = true",
    "DELETE FROM loans WHERE loan_id IN ('L12', 'L9')",
    "UPDATE loans SET fields_as_of = fields_as_of - 1 WHERE loan_id = 'L6'",
    "TRUNCATE loans CASCADE",
    # a sync's upsert: one statement inserting a loan and updating another
    "INSERT INTO loans SELECT (jsonb_populate_record(NULL::loans, to_jsonb(l) || "
    "jsonb_build_object('loan_id', l.loan_id || CASE WHEN l.loan_id = 'L1' THEN 'B' ELSE '' "
    "END, 'branch', 'Wuse', 'source_id', NULL))).* FROM loans l WHERE l.loan_id IN ('L1', "
    "'L2') ON CONFLICT (loan_id) DO UPDATE SET region = 'North', current_dpd = 0",
], ids=lambda s: s[:60])
def test_every_write_of_the_loans_keeps_the_cube_equal_to_a_rebuild(book, change):
    with book.begin() as conn:
        before = _cube(conn)
        conn.execute(text(change))
        patched = _cube(conn)
        assert _valid(conn)
        # the statement's notes were added up into the cube before it ended
        assert conn.execute(text("SELECT count(*) FROM loan_cube_delta")).scalar() == 0
        assert patched == _rebuilt(conn)
        assert patched != before


def test_a_payment_and_a_new_loan_move_their_shares(book):
    with book.begin() as conn:
        loan = add_loan(conn, "N1", principal="9000.00", n=3, frequency="monthly",
                        disbursed="2025-09-10", first_due="2025-10-10", officer_id="O2")
        refresh_loan_fields(conn, loan)                 # the new loan's fields, as of T
        pay(conn, "L4", "2025-11-28", "2500.00")
        refresh_loan_fields(conn, "L4")                 # a payment's one-loan refresh
        assert _valid(conn)
        assert _cube(conn) == _rebuilt(conn)
        totals = portfolio_metrics(conn, group_by="officer")
        assert _figures(totals) == _figures(portfolio_metrics(conn, group_by="officer",
                                                              cube=False))
        assert totals.total.loans_on_books == 9


def test_a_bulk_recalculation_leaves_it_stale_until_the_service_rebuilds_it(book):
    next_day = T + dt.timedelta(days=1)
    with book.begin() as conn:
        conn.execute(text("SELECT * FROM recalculate_all_loan_fields(:t)"), {"t": next_day})
        assert not _valid(conn)                         # as an operator's psql call leaves it
        assert {r[0] for r in _cube(conn)} == {T}       # the shares as of the day before
        assert not cube_ready(conn, PortfolioFilters())
        report = portfolio_metrics(conn)                # read from the loans
        assert (report.as_of, report.fields_source) == (next_day, "stored")
        assert _figures(report) == _figures(portfolio_metrics(conn, cube=False))
        recalculate(conn, next_day)
        assert _valid(conn)
        assert {r[0] for r in _cube(conn)} == {next_day}
        assert _cube(conn) == _rebuilt(conn)


def test_the_day_snapshot_from_the_cube_is_the_one_from_the_loans(book):
    from astrofinance.metrics.snapshots import store_snapshot

    rows = text("SELECT * FROM portfolio_snapshots WHERE as_of = :t ORDER BY 2, 3, 4, 5, 6, 7, 8")
    with book.begin() as conn:
        conn.execute(text("UPDATE loans SET product = 'BIZ' WHERE loan_id IN ('L2', 'L5')"))
        assert store_snapshot(conn, T) > 0
        from_cube = [r[:-1] for r in conn.execute(rows, {"t": T})]      # all but computed_at
        conn.execute(text("UPDATE loan_cube_state SET valid = false"))
        store_snapshot(conn, T)
        assert [r[:-1] for r in conn.execute(rows, {"t": T})] == from_cube
        assert {r.product for r in conn.execute(rows, {"t": T})} == {"", "BIZ"}


def test_db_info_says_whether_the_cube_is_valid(book):
    from typer.testing import CliRunner

    from astrofinance.cli.main import app

    runner = CliRunner()
    shown = runner.invoke(app, ["db", "info"])
    assert shown.exit_code == 0, shown.output
    assert re.search(r"loan cube\s+valid: [\d,]+ rows, rebuilt", shown.output)
    with book.begin() as conn:
        conn.execute(text("SELECT * FROM recalculate_all_loan_fields(:t)"),
                     {"t": T + dt.timedelta(days=1)})        # as from psql: left stale
    stale = runner.invoke(app, ["db", "info"])
    assert "loan cube" in stale.output and "stale" in stale.output
    assert "loan_cube_rebuild()" in " ".join(stale.output.split())


def test_the_dpd_bands_in_sql_and_python_agree_and_hold_every_threshold(book):
    """loan_dpd_band (SQL) and CUBE_DPD_BANDS (Python) are one banding; every CBN class and
    every threshold of CUBE_PAR_DAYS is whole bands, so the cube gives them exactly."""
    from astrofinance.metrics.portfolio import CUBE_DPD_BANDS, CUBE_PAR_DAYS
    from astrofinance.metrics.portfolio_result import CBN_CLASSES

    with book.begin() as conn:
        bands = dict(conn.execute(text(
            "SELECT d, loan_dpd_band(d) FROM generate_series(0, 400) d")).all())
        assert conn.execute(text("SELECT loan_dpd_band(NULL)")).scalar() is None
        assert {max(s for s in CUBE_DPD_BANDS if s <= d) for d in bands} == set(CUBE_DPD_BANDS)
        assert all(bands[d] == max(s for s in CUBE_DPD_BANDS if s <= d) for d in bands)
        for c in CBN_CLASSES:
            assert c.min_dpd in CUBE_DPD_BANDS and (
                c.max_dpd is None or c.max_dpd + 1 in CUBE_DPD_BANDS), c
        every = sorted(CUBE_PAR_DAYS)
        assert every == [0, 1, 7, 30, 60, 90]
        conn.execute(text("UPDATE loans SET current_dpd = v.d, max_dpd_ever = greatest("
                          "max_dpd_ever, v.d) FROM (VALUES ('L1', 60), ('L2', 61), ('L4', 1), "
                          "('L6', 7), ('L12', 8)) v(id, d) WHERE loan_id = v.id"))
        for group_by in (None, "officer"):
            assert _figures(portfolio_metrics(conn, par_days=every, group_by=group_by)) == (
                _figures(portfolio_metrics(conn, par_days=every, group_by=group_by,
                                           cube=False)))
