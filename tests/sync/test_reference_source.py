"""The reference source generator: deterministic, scaled by `loans`, and the invariants of the
Django Ajo data it makes (terms, business-day dates, statuses, repayments, emails)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import psycopg
import pytest

from astrofinance.errors import Conflict, ValidationFailed
from astrofinance.portfolio.holidays import package_holidays
from astrofinance.sync.reference import TABLES, create_reference_source
from tests.sync.conftest import SOURCE_LOANS, new_source

AS_OF = dt.date(2026, 3, 10)
BOOK_LOANS = 2000
# The business days: Monday to Friday, not a company-wide holiday of the source.
BUSINESS_DAY = ("extract(isodow FROM {d}) < 6 AND NOT EXISTS (SELECT 1 FROM loans_holiday h "
                "WHERE h.agent_id IS NULL AND h.date = {d})")
NET_PAID = ("(SELECT coalesce(sum(r.repayment_amount), 0) FROM loans_ajoloanrepayment r "
            "WHERE r.ajo_loan_id = l.id AND r.marked_as IS DISTINCT FROM 'REVERSAL')")


def q(url: str, query: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchall()


def one(url: str, query: str, params: tuple = ()):
    return q(url, query, params)[0][0]


def fingerprint(url: str) -> dict[str, str]:
    return {t: one(url, f"SELECT md5(string_agg(t::text, '|' ORDER BY id)) FROM {t} t")
            for t in TABLES}


@pytest.fixture(scope="module")
def book(pg_server_url: str, _used_databases: list[str]) -> Iterator[str]:
    """A 2000-loan reference book as of AS_OF (read-only for the tests of this module)."""
    url = new_source(pg_server_url, _used_databases)
    create_reference_source(url, loans=BOOK_LOANS, seed=1, as_of=AS_OF)
    yield url


def test_the_same_seed_gives_the_same_book_and_another_seed_another(pg_server_url,
                                                                    _used_databases):
    books = []
    for seed in (11, 11, 12):
        url = new_source(pg_server_url, _used_databases)
        create_reference_source(url, loans=300, seed=seed, as_of=AS_OF)
        books.append(fingerprint(url))
    assert books[0] == books[1]
    assert all(books[0][t] != books[2][t] for t in TABLES if t != "loans_holiday")


def test_counts_scale_with_loans(book, pg_server_url, _used_databases):
    small = new_source(pg_server_url, _used_databases)
    counts = create_reference_source(small, loans=500, seed=1, as_of=AS_OF)
    big = {t: one(book, f"SELECT count(*) FROM {t}") for t in TABLES}
    assert counts == {t: one(small, f"SELECT count(*) FROM {t}") for t in TABLES}
    assert (counts["loans_ajoloan"], big["loans_ajoloan"]) == (500, BOOK_LOANS)
    # the seed's ratios: 1.2k officers and 15.7k customers for 17.9k loans
    assert (counts["accounts_customuser"], big["accounts_customuser"]) == (33, 134)
    assert (counts["ajo_ajouser"], big["ajo_ajouser"]) == (438, 1751)
    assert 3.5 < big["loans_ajoloanrepayment"] / counts["loans_ajoloanrepayment"] < 4.5


def test_about_thirty_repayments_per_loan_with_a_few_reversals(book):
    rows, reversals = q(book, "SELECT count(*), count(*) FILTER (WHERE marked_as = 'REVERSAL') "
                              "FROM loans_ajoloanrepayment")[0]
    assert 25 <= rows / BOOK_LOANS <= 35
    assert 0 < reversals / rows < 0.015
    # a reversal is a failed debit: the payment of the same amount follows on the same day
    assert one(book, """
        SELECT count(*) FROM loans_ajoloanrepayment v WHERE v.marked_as = 'REVERSAL'
        AND NOT EXISTS (SELECT 1 FROM loans_ajoloanrepayment p WHERE p.ajo_loan_id = v.ajo_loan_id
                        AND p.paid_date = v.paid_date AND p.marked_as IS DISTINCT FROM 'REVERSAL')
    """) == 0


def test_loan_terms(book):
    assert q(book, """
        SELECT count(*) FILTER (WHERE amount NOT BETWEEN 20000 AND 500000
                                   OR mod(amount, 1000) <> 0),
               count(*) FILTER (WHERE interest_rate NOT BETWEEN 10 AND 30),
               count(*) FILTER (WHERE processing_fee NOT BETWEEN amount * 0.01 AND amount * 0.02),
               count(*) FILTER (WHERE repayment_amount
                                      <> round(amount + amount * interest_rate / 100, 2)),
               count(*) FILTER (WHERE tenor_in_days NOT BETWEEN 20 AND 120),
               count(*) FILTER (WHERE loan_type NOT IN ('AJO', 'BNPL', 'PROSPER'))
        FROM loans_ajoloan""") == [(0, 0, 0, 0, 0, 0)]
    assert one(book, "SELECT count(DISTINCT tenor_in_days) FROM loans_ajoloan") > 10


def test_start_and_end_dates_are_the_business_days_of_the_tenor(book):
    """start_date: the first business day after disbursement; end_date: the last business day
    of start_date + tenor - 1 days, so the installments are the business days between."""
    bd = BUSINESS_DAY.format(d="g::date")
    assert q(book, f"""
        SELECT count(*) FILTER (WHERE start_date <> (
                   SELECT min(g::date) FROM generate_series(
                       (date_disbursed AT TIME ZONE 'Africa/Lagos')::date + 1,
                       (date_disbursed AT TIME ZONE 'Africa/Lagos')::date + 15, '1 day') g
                   WHERE {bd})),
               count(*) FILTER (WHERE end_date <> (
                   SELECT max(g::date) FROM generate_series(start_date,
                       start_date + tenor_in_days - 1, '1 day') g WHERE {bd}))
        FROM loans_ajoloan WHERE is_disbursed""") == [(0, 0)]


def test_repayments_pay_the_installment_of_the_business_days(book):
    """The usual amount paid is repayment_amount / installments (or 2 or 5 of them, for the
    early and weekly payers), installments counted from start_date to end_date."""
    bd = BUSINESS_DAY.format(d="g::date")
    matched, total = q(book, f"""
        WITH loan AS (
            SELECT l.id, round(l.repayment_amount / (
                       SELECT count(*) FROM generate_series(l.start_date, l.end_date, '1 day') g
                       WHERE {bd}), 2) AS installment
            FROM loans_ajoloan l WHERE l.is_disbursed),
        usual AS (
            SELECT ajo_loan_id, mode() WITHIN GROUP (ORDER BY repayment_amount) AS amount
            FROM loans_ajoloanrepayment GROUP BY ajo_loan_id HAVING count(*) >= 5)
        SELECT count(*) FILTER (WHERE u.amount IN (installment, 2 * installment,
                                                   5 * installment)), count(*)
        FROM loan JOIN usual u ON u.ajo_loan_id = loan.id""")[0]
    assert total > BOOK_LOANS / 2 and matched / total > 0.95


def test_repayments_are_on_business_days_between_disbursement_and_as_of(book):
    assert q(book, f"""
        SELECT count(*) FILTER (WHERE NOT ({BUSINESS_DAY.format(d="r.paid_date")})),
               count(*) FILTER (WHERE r.paid_date <= (l.date_disbursed AT TIME ZONE
                                                      'Africa/Lagos')::date),
               count(*) FILTER (WHERE r.paid_date < l.start_date OR r.paid_date > %s),
               count(*) FILTER (WHERE (r.created_at AT TIME ZONE 'Africa/Lagos')::date
                                      <> r.paid_date),
               count(*) FILTER (WHERE r.updated_at < r.created_at),
               count(*) FILTER (WHERE (r.updated_at AT TIME ZONE 'Africa/Lagos')::date > %s),
               count(*) FILTER (WHERE r.repayment_amount <= 0)
        FROM loans_ajoloanrepayment r JOIN loans_ajoloan l ON l.id = r.ajo_loan_id""",
             (AS_OF, AS_OF)) == [(0, 0, 0, 0, 0, 0, 0)]
    # the nightly agent-debit batch: many rows share one timestamp (the watermark's ties)
    assert one(book, "SELECT max(n) FROM (SELECT count(*) AS n FROM loans_ajoloanrepayment "
                     "GROUP BY updated_at) t") > 20


def test_statuses_follow_the_repayments(book):
    rows = dict(((s, d), n) for s, d, n in q(book, f"""
        SELECT l.status, CASE
            WHEN NOT l.is_disbursed THEN 'undisbursed'
            WHEN {NET_PAID} = l.repayment_amount THEN 'paid in full'
            WHEN {NET_PAID} > l.repayment_amount THEN 'overpaid'
            WHEN l.end_date < %s - 30 THEN 'ended 30+ days ago'
            WHEN l.end_date < %s THEN 'ended'
            ELSE 'running' END, count(*)
        FROM loans_ajoloan l GROUP BY 1, 2""", (AS_OF, AS_OF)))
    allowed = {"COMPLETED": {"paid in full"}, "CLOSED": {"paid in full"},
               "DEFAULTED": {"ended 30+ days ago"},
               "PAST_MATURITY": {"ended", "ended 30+ days ago"},
               **{s: {"running"} for s in ("OPEN", "ACTIVE", "APPROVED")},
               **{s: {"undisbursed"} for s in ("REJECTED", "DECLINED", "NOT_TAKEN", "PENDING")}}
    assert {(s, d) for s, d in rows if d not in allowed.get(s, set())} == set()
    assert {s for s, _ in rows} == set(allowed)  # every status of the mapping occurs


def test_undisbursed_loans_have_no_dates_and_no_repayments(book):
    assert q(book, """
        SELECT count(*), count(date_disbursed), count(start_date), count(end_date),
               count(*) FILTER (WHERE EXISTS (SELECT 1 FROM loans_ajoloanrepayment r
                                              WHERE r.ajo_loan_id = l.id))
        FROM loans_ajoloan l WHERE NOT is_disbursed""")[0][1:] == (0, 0, 0, 0)
    assert 40 < one(book, "SELECT count(*) FROM loans_ajoloan WHERE NOT is_disbursed") < 160


def test_loan_timestamps_are_consistent_and_ids_follow_creation(book):
    end_of_as_of = dt.datetime.combine(AS_OF + dt.timedelta(days=1), dt.time(),
                                       dt.timezone(dt.timedelta(hours=1)))
    assert q(book, """
        SELECT count(*) FILTER (WHERE created_at > date_disbursed),
               count(*) FILTER (WHERE updated_at < coalesce(date_disbursed, created_at)),
               count(*) FILTER (WHERE updated_at >= %s),
               count(*) FILTER (WHERE id <> rank)
        FROM (SELECT *, rank() OVER (ORDER BY created_at) FROM loans_ajoloan) l""",
             (end_of_as_of,)) == [(0, 0, 0, 0)]


def test_officer_emails_are_unique_ignoring_case_and_spaces(book):
    total, distinct, untidy = q(book, """
        SELECT count(*), count(DISTINCT lower(trim(email))),
               count(*) FILTER (WHERE email <> lower(trim(email)))
        FROM accounts_customuser""")[0]
    assert total == distinct and untidy > 0
    assert q(book, """
        SELECT DISTINCT o.user_type FROM loans_ajoloan l
        JOIN accounts_customuser o ON o.id = l.agent_id""") == [("AGENT",)]
    assert one(book, "SELECT count(*) FROM accounts_customuser "
                     "WHERE date_joined >= '2025-10-01'") > 0


def test_holidays_are_the_public_ones_plus_some_agent_leave(book):
    public = q(book, "SELECT date, name FROM loans_holiday WHERE type = 'PUBLIC' "
                     "AND agent_id IS NULL ORDER BY date")
    years = sorted({d.year for d, _ in public})
    expected = package_holidays("NG", years)
    assert public == [(d, name) for d, (name, _) in expected.items()]
    assert AS_OF.year in years and AS_OF.year - 1 in years
    assert one(book, "SELECT count(*) FROM loans_holiday WHERE type = 'AGENT_LEAVE' "
                     "AND agent_id IS NOT NULL") >= 3
    assert one(book, "SELECT count(*) FROM loans_holiday") == len(public) + one(
        book, "SELECT count(*) FROM loans_holiday WHERE agent_id IS NOT NULL")


def test_ids_are_dense_and_the_sequences_continue_after_them(book):
    for table in TABLES:
        assert q(book, f"SELECT count(*), max(id) FROM {table}") == [(n := one(
            book, f"SELECT count(*) FROM {table}"), n)]
    with psycopg.connect(book) as conn:
        new_id = conn.execute(
            "INSERT INTO loans_ajoloanrepayment (ajo_loan_id, paid_date, repayment_amount, "
            "repayment_type, created_at, updated_at) VALUES (1, %s, 100, 'CARD', now(), now()) "
            "RETURNING id", (AS_OF,)).fetchone()[0]
        conn.rollback()
    assert new_id == one(book, "SELECT max(id) FROM loans_ajoloanrepayment") + 1


def test_an_existing_source_is_refused_unless_reset(pg_server_url, _used_databases):
    url = new_source(pg_server_url, _used_databases)
    first = create_reference_source(url, loans=40, seed=3, as_of=AS_OF)
    with pytest.raises(Conflict, match="reset=True"):
        create_reference_source(url, loans=40, seed=3, as_of=AS_OF)
    assert create_reference_source(url, loans=40, seed=3, as_of=AS_OF, reset=True) == first
    assert one(url, "SELECT count(*) FROM pg_namespace WHERE nspname = '_refgen'") == 0


@pytest.mark.parametrize(("loans", "seed"), [(0, 1), (5_000_001, 1), (10, -1)])
def test_bad_arguments_are_refused(loans, seed):
    with pytest.raises(ValidationFailed):
        create_reference_source("postgresql://nowhere.invalid/x", loans=loans, seed=seed)


@pytest.mark.parametrize("attempt", [1, 2])
def test_each_test_gets_its_own_copy_of_the_source(source_url, attempt):
    with psycopg.connect(source_url) as conn:
        new_id = conn.execute(
            "INSERT INTO loans_ajoloan (borrower_id, agent_id, amount, repayment_amount, "
            "interest_rate, processing_fee, tenor_in_days, status, loan_type, is_disbursed, "
            "created_at, updated_at) SELECT 1, agent_id, 10000, 12000, 20, 100, 30, 'PENDING', "
            "'AJO', false, now(), now() FROM loans_ajoloan WHERE id = 1 RETURNING id").fetchone()[0]
    assert new_id == SOURCE_LOANS + 1
    assert one(source_url, "SELECT count(*) FROM loans_ajoloan") == SOURCE_LOANS + 1
    assert one(source_url, "SELECT max(updated_at) < now() FROM loans_ajoloanrepayment")


def test_the_empty_source_has_the_schema_and_no_rows(empty_source_url):
    assert [one(empty_source_url, f"SELECT count(*) FROM {t}") for t in TABLES] == [0] * 5
    indexes = {r[0] for r in q(empty_source_url, "SELECT indexname FROM pg_indexes "
                                                 "WHERE schemaname = 'public'")}
    assert {"loans_ajoloanrepayment_updated_at_id", "loans_ajoloan_updated_at_id",
            "loans_ajoloanrepayment_ajo_loan_id", "loans_ajoloanrepayment_pkey"} <= indexes
    assert one(empty_source_url, "SELECT count(*) FROM pg_constraint WHERE contype = 'f' "
                                 "AND condeferrable") == 4
    assert one(empty_source_url, "SELECT pg_get_indexdef('loans_ajoloanrepayment_updated_at_id'"
                                 "::regclass)").endswith("(updated_at, id)")
