"""Portfolio metrics over stored loan fields written by hand (the book and every number
worked out from it: tests/metrics/portfolio_book.py)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from astrofinance.errors import Conflict, ValidationFailed
from astrofinance.metrics.portfolio import PortfolioFilters, portfolio_metrics
from tests.metrics.book import add_loan, day
from tests.metrics.portfolio_book import T, build_book


@pytest.fixture
def book(db):
    with db.begin() as conn:
        build_book(conn)
    return db


def _report(db, **kw):
    with db.begin() as conn:
        return portfolio_metrics(conn, **kw)


def test_book_metrics_worked_by_hand(book):
    r = _report(book)
    k = r.total
    assert (r.as_of, r.fields_source) == (T, "stored")
    assert (r.period_start, r.period_end) == (day("2025-11-01"), T)
    assert k.loans_on_books == 8
    assert k.gross_loan_portfolio == D("33600.00")
    assert [k.par(x) for x in (1, 7, 30, 90)] == [D("58.33"), D("43.45"), D("37.50"), D("2.98")]
    assert [k.par_by_count(x) for x in (1, 7, 30, 90)] == [
        D("75.00"), D("62.50"), D("50.00"), D("12.50")]
    assert k.loans_in_arrears == 6
    assert (k.overdue_amount, k.arrears_rate) == (D("5700.00"), D("16.96"))
    assert (k.avg_dpd, k.avg_dpd_in_arrears) == (D("36.25"), D("48.33"))
    assert k.early_indicator_rate == D("12.50")


def test_cbn_buckets_and_provisions(book):
    k = _report(book).total
    got = [(b.cbn.key, b.count, b.principal_outstanding, b.cbn.provision_rate, b.provision)
           for b in k.buckets]
    assert got == [
        ("performing", 2, D("14000.00"), 1, D("140.00")),
        ("pass_and_watch", 2, D("7000.00"), 5, D("350.00")),
        ("substandard", 2, D("11000.00"), 20, D("2200.00")),
        ("doubtful", 1, D("600.00"), 50, D("300.00")),
        ("lost", 1, D("1000.00"), 100, D("1000.00")),
    ]
    assert k.provision_required == D("3990.00")


def test_fimr_only_over_eligible_loans_by_cohort(book):
    k = _report(book).total
    assert (k.fimr_eligible, k.fimr_tagged, k.fimr_rate) == (9, 4, D("44.44"))
    assert [(c.cohort, c.eligible, c.tagged, c.rate) for c in k.cohorts] == [
        ("2025-04", 1, 0, D("0.00")), ("2025-05", 1, 0, D("0.00")),
        ("2025-06", 1, 1, D("100.00")), ("2025-07", 1, 1, D("100.00")),
        ("2025-08", 2, 1, D("50.00")), ("2025-09", 2, 1, D("50.00")),
        ("2025-10", 1, 0, D("0.00")), ("2025-11", 0, 0, None)]


def test_period_metrics_and_write_off_ratio(book):
    k = _report(book).total
    assert (k.disbursed_count, k.disbursed_amount) == (1, D("4000.00"))
    assert (k.written_off_count, k.written_off_principal) == (1, D("1500.00"))
    # GLP at Nov 1 from compute_loan_fields (no repayments: each loan's full amount)
    assert (k.glp_at_period_start, k.glp_at_period_end) == (D("39100.00"), D("33600.00"))
    assert k.average_glp == D("36350.00")
    assert k.write_off_ratio == D("4.13")


def test_no_write_offs_in_the_period_needs_no_start_glp(book):
    k = _report(book, period_start=day("2025-11-21")).total
    assert k.written_off_principal == D("0.00")
    assert k.glp_at_period_start is None and k.write_off_ratio == D("0.00")


def test_filters(book):
    k = _report(book, filters=PortfolioFilters(branch=("Ikeja",))).total
    # L1, L2, L3, L10 on the books
    assert (k.loans_on_books, k.gross_loan_portfolio, k.par(30)) == (4, D("26000.00"),
                                                                     D("42.31"))
    # emails compare case-insensitively; the supervisor's loans are O2's
    k = _report(book, filters=PortfolioFilters(supervisor=("s2@astro.NG",))).total
    assert (k.loans_on_books, k.gross_loan_portfolio) == (4, D("7600.00"))
    k = _report(book, filters=PortfolioFilters(wave=("2",))).total  # O2 hired 2025-10-01
    assert k.gross_loan_portfolio == D("7600.00")
    k = _report(book, filters=PortfolioFilters(disbursed_from=day("2025-09-01"),
                                               disbursed_to=day("2025-10-31"))).total
    assert (k.loans_on_books, k.gross_loan_portfolio) == (3, D("17000.00"))  # L1, L2, L4
    k = _report(book, filters=PortfolioFilters(officer=("O1",), region=("Abuja",))).total
    assert (k.loans_on_books, k.gross_loan_portfolio, k.par(1)) == (0, D("0.00"), None)


def test_group_by_branch(book):
    r = _report(book, group_by="branch")
    assert [g.group for g in r.groups] == ["Ikeja", "Wuse"]
    ikeja, wuse = r.groups
    assert (ikeja.loans_on_books, ikeja.gross_loan_portfolio) == (4, D("26000.00"))
    assert (wuse.loans_on_books, wuse.gross_loan_portfolio) == (4, D("7600.00"))
    assert wuse.par(1) == D("47.37")  # L4, L5, L12: 3600 / 7600
    # FIMR: Ikeja L1, L2, L3, L7, L10 -> 3 of 5; Wuse L4, L5, L8, L12 -> 1 of 4
    assert (ikeja.fimr_tagged, ikeja.fimr_eligible) == (3, 5)
    assert (wuse.fimr_tagged, wuse.fimr_eligible, wuse.fimr_rate) == (1, 4, D("25.00"))
    # the write-off (L8) is Wuse's: start GLP L4+L5+L8+L12 = 2500+1500+1800+800 = 6600
    assert wuse.average_glp == D("7100.00") and wuse.write_off_ratio == D("21.13")
    assert ikeja.write_off_ratio == D("0.00")
    assert r.total.gross_loan_portfolio == D("33600.00")


def test_group_by_supervisor_is_case_insensitive_and_validated(book):
    r = _report(book, group_by="supervisor")
    assert [g.group for g in r.groups] == ["s1@astro.ng", "s2@astro.ng"]
    with pytest.raises(ValidationFailed):
        _report(book, group_by="customer")


def test_as_of_and_period_rules(db):
    with db.begin() as conn:
        build_book(conn)
        add_loan(conn, "NEW", principal="100", n=1, disbursed="2025-11-02",
                 first_due="2025-11-30")
    # a loan without stored fields as of T: the stored book is incomplete
    with pytest.raises(Conflict, match="metrics recalculate"):
        _report(db)
    with pytest.raises(ValidationFailed, match="after the as-of date"):
        _report(db, as_of=T, period_end=day("2025-12-01"))
    with pytest.raises(ValidationFailed, match="starts"):
        _report(db, as_of=T, period_start=day("2025-11-20"), period_end=day("2025-11-10"))


def test_no_loans_gives_zeros_and_nulls(db):
    r = _report(db, today=day("2026-01-15"))
    k = r.total
    assert r.as_of == day("2026-01-15") and r.period_start == day("2026-01-01")
    assert (k.loans_on_books, k.gross_loan_portfolio, k.provision_required) == (
        0, D("0.00"), D("0.00"))
    assert k.par(1) is None and k.fimr_rate is None and k.collection_rate is None
    assert k.write_off_ratio is None and k.avg_dpd is None
    assert [b.count for b in k.buckets] == [0] * 5


def test_parts_compute_only_the_passes_asked_for(book):
    full = _report(book, group_by="branch")
    fimr = _report(book, group_by="branch", parts=frozenset({"fimr"}))
    for got, want in zip([fimr.total, *fimr.groups], [full.total, *full.groups], strict=True):
        assert (got.group, got.fimr_eligible, got.fimr_tagged) == (
            want.group, want.fimr_eligible, want.fimr_tagged)
        assert got.cohorts == want.cohorts
        # the passes left out keep their empty values
        assert (got.loans_on_books, got.gross_loan_portfolio, got.disbursed_count) == (
            0, D("0.00"), 0)
        assert got.collection_rate is None and got.write_off_ratio is None
    book_only = _report(book, parts=frozenset({"book"})).total
    assert (book_only.gross_loan_portfolio, book_only.par(30)) == (
        full.total.gross_loan_portfolio, full.total.par(30))
    assert book_only.fimr_eligible == 0 and book_only.disbursed_count == 0
    no_collections = _report(book, parts=frozenset({"book", "fimr", "period",
                                                      "write_off_ratio"})).total
    assert no_collections.write_off_ratio == full.total.write_off_ratio == D("4.13")
    assert no_collections.due_in_period == D("0.00") and full.total.due_in_period > 0
    # the period's counts without the write-off ratio (no GLP computed as of its start)
    period = _report(book, parts=frozenset({"book", "period"})).total
    assert (period.written_off_principal, period.disbursed_count) == (D("1500.00"), 1)
    assert period.glp_at_period_start is None and period.write_off_ratio is None
    assert full.total.glp_at_period_start == D("39100.00")
    for bad in (frozenset(), frozenset({"write_off_ratio", "book"}),
                frozenset({"book", "cohorts"})):
        with pytest.raises(ValueError, match="parts"):
            _report(book, parts=bad)


def test_without_cohorts_the_fimr_rates_are_the_same(book):
    full = _report(book, group_by="branch")
    rates = _report(book, group_by="branch", cohorts=False)
    assert rates.total.cohorts == [] and all(g.cohorts == [] for g in rates.groups)
    assert full.total.cohorts and all(g.cohorts for g in full.groups)
    assert [(g.group, g.fimr_eligible, g.fimr_tagged, g.fimr_rate)
            for g in [rates.total, *rates.groups]] == [
        (g.group, g.fimr_eligible, g.fimr_tagged, g.fimr_rate)
        for g in [full.total, *full.groups]]
    assert (rates.total.fimr_eligible, rates.total.fimr_tagged) == (9, 4)


def test_collections_of_one_grouping_equal_those_of_all(book):
    from astrofinance.metrics.collections import collections, collections_by

    start = day("2025-11-01")
    with book.begin() as conn:
        every = collections_by(conn, PortfolioFilters(), date_from=start, date_to=T)
        for group in ("day", "branch", "officer"):
            one = collections(conn, PortfolioFilters(), date_from=start, date_to=T,
                              group_by=group)
            assert (one.items, one.total) == (every[group].items, every[group].total)
        days_only = collections_by(conn, PortfolioFilters(), date_from=start, date_to=T,
                                   groups=("day",))
    assert list(days_only) == ["day"]
    k = _report(book).total
    assert (every["day"].total["due"], every["day"].total["collected"]) == (
        k.due_in_period, k.repaid_in_period)
    assert sum(d["due"] for d in days_only["day"].items) == k.due_in_period > 0
    assert {i["branch"] for i in every["branch"].items} == {"Ikeja", "Wuse"}


def test_collections_by_officer_read_per_loan_equal_the_one_pass_ones(book):
    """A filter by officer reads the *_by_loan.sql variants; their figures must be the
    one-pass queries' row for that officer."""
    from astrofinance.metrics.collections import collections, collections_by

    start = day("2025-11-01")
    with book.begin() as conn:
        per_officer = {i["officer_id"]: i for i in collections_by(
            conn, PortfolioFilters(), date_from=start, date_to=T)["officer"].items}
        assert len(per_officer) >= 2
        for officer, item in per_officer.items():
            for filters in (PortfolioFilters(officer=(officer,)),
                            PortfolioFilters(scope=(officer,))):
                assert filters.by_officer
                one = collections(conn, filters, date_from=start, date_to=T,
                                  group_by="day").total
                assert (one["due"], one["collected"]) == (item["due"], item["collected"])
    grouped = {g.group: g for g in _report(book, group_by="officer").groups}
    for officer, item in per_officer.items():
        k = _report(book, filters=PortfolioFilters(officer=(officer,))).total
        assert (k.due_in_period, k.repaid_in_period) == (item["due"], item["collected"]) == (
            grouped[officer].due_in_period, grouped[officer].repaid_in_period)
    assert not PortfolioFilters(branch=("Ikeja",)).by_officer


def test_the_whole_book_by_day_leaves_out_pending_and_cancelled_loans(book):
    """The overview's collections (no filter, by day) read the period's rows without joining
    the loans; the rows of the loans that do not count must still be left out, as the
    joined query leaves them out."""
    from sqlalchemy import text

    from astrofinance.metrics.collections import collections

    start, end = day("2025-11-01"), day("2026-03-31")
    every_branch = PortfolioFilters(branch=("Ikeja", "Wuse"))     # joins the loans
    with book.begin() as conn:
        conn.execute(text("UPDATE loans SET status = 'Cancelled' WHERE loan_id = 'L11'"))
        left_out = conn.execute(text(
            "SELECT sum(amount_due) FROM payment_schedules WHERE loan_id IN ('L9', 'L11') "
            "AND due_date BETWEEN :s AND :e"), {"s": start, "e": end}).scalar()
        every_row = conn.execute(text(
            "SELECT sum(amount_due) FROM payment_schedules WHERE due_date BETWEEN :s AND :e"),
            {"s": start, "e": end}).scalar()
        book_wide = collections(conn, PortfolioFilters(), date_from=start, date_to=end)
        joined = collections(conn, every_branch, date_from=start, date_to=end)
    assert left_out > 0
    assert book_wide.total["due"] == every_row - left_out
    assert (book_wide.items, book_wide.total) == (joined.items, joined.total)


def test_without_cbn_classes_the_other_figures_are_the_same(book):
    """The roll-ups leave the CBN classes out of the book pass; nothing else may change, and
    the period figures read by the period's indexes (no write-off ratio) are the full
    pass's."""
    parts = frozenset({"book", "fimr", "period"})
    full = _report(book, group_by="branch", parts=parts | {"write_off_ratio"})
    slim = _report(book, group_by="branch", parts=parts, cbn_classes=False)

    def figures(k):
        return (k.group, k.loans_on_books, k.gross_loan_portfolio, k.overdue_amount,
                k.loans_in_arrears, k.early_indicator_count, k.avg_dpd, k.par_amounts,
                k.par_counts, k.fimr_eligible, k.fimr_tagged, k.disbursed_count,
                k.disbursed_amount, k.written_off_count, k.written_off_principal)

    assert [figures(k) for k in [slim.total, *slim.groups]] == [
        figures(k) for k in [full.total, *full.groups]]
    assert [b.count for b in full.total.buckets] == [2, 2, 2, 1, 1]
    assert all(b.count == 0 and b.principal_outstanding == 0
               for k in [slim.total, *slim.groups] for b in k.buckets)
    assert (slim.total.written_off_principal, slim.total.disbursed_count) == (D("1500.00"), 1)
