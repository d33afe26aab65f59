"""`db seed`: the demo book, on a real PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from astrofinance.cli.main import app
from astrofinance.errors import Conflict
from astrofinance.metrics.service import recalculate
from astrofinance.portfolio.seed import SeedResult, seed_portfolio

AS_OF = dt.date(2026, 6, 30)
STATUSES = {"Pending", "Active", "Defaulted", "Closed", "Written Off", "Cancelled"}
PROFILES = {"perfect", "mostly_on_time", "slow", "stops_midway", "never_paid", "prepayer",
            "overpayer", "partial", "weekend_payer", "holiday_payer", "pending", "cancelled"}

CHECKSUM = """
SELECT md5(
  (SELECT string_agg(concat_ws('|', officer_id, name, email, phone, branch, region, hire_date,
          user_type, status, supervisor_email, supervisor_name, vertical_lead_email,
          vertical_lead_name), ',' ORDER BY officer_id) FROM officers)
  || (SELECT string_agg(concat_ws('|', customer_id, name, phone, email, officer_id, branch, state),
          ',' ORDER BY customer_id) FROM customers)
  || (SELECT string_agg(concat_ws('|', loan_id, customer_id, officer_id, product, channel,
          loan_amount, interest_amount, fee_amount, repayment_amount, installments, frequency,
          disbursement_date, first_payment_due_date, status, written_off_on, closed_on, wave,
          region, vertical_lead_email), ',' ORDER BY loan_id) FROM loans)
  || (SELECT string_agg(concat_ws('|', repayment_id, loan_id, payment_date, payment_amount,
          is_reversed, channel, reference), ',' ORDER BY repayment_id) FROM repayments)
  || (SELECT string_agg(concat_ws('|', loan_id, installment_no, due_date, amount_due),
          ',' ORDER BY loan_id, installment_no) FROM payment_schedules))
"""


def _seed(db, loans: int, seed: int = 11, replace: bool = False) -> SeedResult:
    return seed_portfolio(db, loans=loans, seed=seed, as_of=AS_OF, replace=replace)


def _scalar(db, sql: str, **params):
    with db.begin() as c:
        return c.execute(text(sql), params).scalar_one()


def _ids(result: SeedResult, profile: str) -> list[str]:
    return [k for k, v in result.loan_profiles.items() if v == profile]


@pytest.fixture
def book(db) -> SeedResult:
    """600 loans: enough for every status and behaviour."""
    return _seed(db, 600)


def test_book_has_loans_officers_hierarchy_customers_and_holidays(db, book):
    assert _scalar(db, "SELECT count(*) FROM loans") == 600
    assert book.counts["loans"] == 600
    # 600 / 80 loans per officer, rounded: 8 officers (at least 6)
    assert _scalar(db, "SELECT count(*) FROM officers") == 8
    assert _scalar(db, """SELECT count(*) FROM officers WHERE supervisor_email IS NULL
        OR supervisor_name IS NULL OR vertical_lead_email IS NULL OR vertical_lead_name IS NULL
        OR region IS NULL OR branch IS NULL OR email NOT LIKE '%@astrofinance.ng'
        OR phone !~ '^\\+234[789][01][0-9]{8}$'""") == 0
    # loans carry their officer's hierarchy (the wave trigger copies it)
    assert _scalar(db, """SELECT count(*) FROM loans l JOIN officers o USING (officer_id)
        WHERE (l.region, l.vertical_lead_email, l.supervisor_email)
              IS DISTINCT FROM (o.region, o.vertical_lead_email, o.supervisor_email)""") == 0
    # about one loan in five goes to a repeat borrower
    customers = _scalar(db, "SELECT count(*) FROM customers")
    assert 0.7 * 600 < customers < 0.95 * 600
    assert _scalar(db, "SELECT count(*) FROM customers c WHERE NOT EXISTS "
                       "(SELECT 1 FROM loans l WHERE l.customer_id = c.customer_id)") == 0
    assert _scalar(db, "SELECT count(*) FROM repayments") > 600 * 10
    # officers are hired before they disburse
    assert _scalar(db, "SELECT count(*) FROM loans l JOIN officers o USING (officer_id) "
                       "WHERE o.hire_date > l.disbursement_date") == 0
    # holidays from the package, for the years the book covers, estimated dates flagged
    assert _scalar(db, "SELECT name FROM holidays WHERE holiday_date = '2025-10-01'") \
        == "National Day"
    assert _scalar(db, "SELECT count(*) FROM holidays WHERE source = 'holidays-package' "
                       "AND estimated AND name NOT LIKE '%estimated%'") > 0
    years = _scalar(db, "SELECT array_agg(DISTINCT extract(year FROM holiday_date)::int "
                        "ORDER BY extract(year FROM holiday_date)::int) FROM holidays")
    assert years == [2024, 2025, 2026, 2027]


def test_every_status_profile_and_wave_is_present(db, book):
    assert set(book.statuses) == STATUSES
    assert set(book.profiles) == PROFILES
    assert sum(book.profiles.values()) == 600
    assert set(book.waves) == {"Wave 1", "Wave 2"}
    assert _scalar(db, "SELECT count(*) FROM officers WHERE hire_date >= '2025-10-01'") > 0
    assert _scalar(db, "SELECT count(*) FROM loans WHERE disbursement_date >= '2025-10-20' "
                       "AND wave = 'Wave 2'") > 0
    assert _scalar(db, "SELECT count(DISTINCT frequency) FROM loans") == 3
    assert _scalar(db, "SELECT count(DISTINCT product) FROM loans") == 3


def test_dates_schedules_and_status_rules(db, book):
    assert _scalar(db, "SELECT count(*) FROM repayments WHERE payment_date > :d", d=AS_OF) == 0
    assert _scalar(db, "SELECT count(*) FROM loans WHERE disbursement_date > :d", d=AS_OF) == 0
    assert _scalar(db, "SELECT count(*) FROM loans l WHERE status <> 'Pending' AND NOT EXISTS "
                       "(SELECT 1 FROM payment_schedules s WHERE s.loan_id = l.loan_id)") == 0
    assert _scalar(db, "SELECT count(*) FROM loans l WHERE schedule_source <> 'generated' OR "
                       "installments <> (SELECT count(*) FROM payment_schedules s "
                       "WHERE s.loan_id = l.loan_id)") == 0
    paid = """(SELECT coalesce(sum(payment_amount), 0) FROM repayments r
               WHERE r.loan_id = l.loan_id AND NOT r.is_reversed)"""
    last = """(SELECT max(payment_date) FROM repayments r
               WHERE r.loan_id = l.loan_id AND NOT r.is_reversed)"""
    # Closed: fully repaid, closed on the last payment; the others are not fully repaid
    assert _scalar(db, f"SELECT count(*) FROM loans l WHERE status = 'Closed' AND "
                       f"({paid} < repayment_amount OR closed_on IS DISTINCT FROM {last})") == 0
    assert _scalar(db, f"SELECT count(*) FROM loans l WHERE status <> 'Closed' AND "
                       f"{paid} >= repayment_amount") == 0
    # Written off after at least 180 days in arrears, no repayment after the write-off
    assert _scalar(db, """SELECT count(*) FROM loans l WHERE status = 'Written Off' AND
        (written_off_on > :d OR EXISTS (SELECT 1 FROM repayments r WHERE r.loan_id = l.loan_id
         AND r.payment_date > l.written_off_on) OR written_off_on < first_payment_due_date + 180)
        """, d=AS_OF) == 0
    assert _scalar(db, "SELECT count(*) FROM loans WHERE (status = 'Written Off') "
                       "<> (written_off_on IS NOT NULL)") == 0
    # Pending and Cancelled loans have no repayments; Pending ones are days old
    assert _scalar(db, """SELECT count(*) FROM loans l JOIN repayments r USING (loan_id)
        WHERE l.status IN ('Pending', 'Cancelled')""") == 0
    assert _scalar(db, "SELECT min(disbursement_date) FROM loans WHERE status = 'Pending'") \
        >= AS_OF - dt.timedelta(days=9)


def test_behaviours_show_in_the_repayments(db, book):
    def count(sql: str, profile: str) -> int:
        return _scalar(db, sql, ids=_ids(book, profile))

    off_schedule = """SELECT count(*) FROM repayments r WHERE r.loan_id = ANY(:ids)
        AND NOT EXISTS (SELECT 1 FROM payment_schedules s
                        WHERE s.loan_id = r.loan_id AND s.due_date = r.payment_date)"""
    # perfect payers pay on the stored schedule's due dates (reversal re-payments aside)
    assert count(off_schedule + " AND NOT r.is_reversed AND NOT EXISTS (SELECT 1 FROM "
                 "repayments v WHERE v.loan_id = r.loan_id AND v.is_reversed)", "perfect") == 0
    assert count("SELECT count(*) FROM loans WHERE loan_id = ANY(:ids) AND status = 'Closed'",
                 "perfect") > 0
    assert count("SELECT count(*) FROM repayments WHERE loan_id = ANY(:ids)", "never_paid") == 0
    overpaid = """SELECT count(*) FROM loans l WHERE loan_id = ANY(:ids) AND
        (SELECT sum(payment_amount) FROM repayments r WHERE r.loan_id = l.loan_id
         AND NOT r.is_reversed) > repayment_amount"""
    assert count(overpaid, "overpayer") > 0
    assert count(overpaid, "perfect") == 0
    # prepayers: paid more than had fallen due, on some payment date
    ahead = """SELECT count(*) FROM repayments r WHERE r.loan_id = ANY(:ids) AND
        (SELECT sum(payment_amount) FROM repayments x WHERE x.loan_id = r.loan_id
         AND NOT x.is_reversed AND x.payment_date <= r.payment_date)
        > (SELECT coalesce(sum(amount_due), 0) FROM payment_schedules s
           WHERE s.loan_id = r.loan_id AND s.due_date <= r.payment_date)"""
    assert count(ahead, "prepayer") > 0
    # partial payers mostly pay less than an installment
    smaller = """SELECT avg((r.payment_amount < 0.75 * s.amount_due)::int) FROM repayments r
        JOIN payment_schedules s ON s.loan_id = r.loan_id AND s.installment_no = 1
        WHERE r.loan_id = ANY(:ids)"""
    assert count(smaller, "partial") > 0.7
    assert count(smaller, "perfect") == 0
    # weekend payers pay on Saturdays; holiday payers on holidays (and Saturdays)
    saturday = "SELECT avg((extract(isodow FROM payment_date) = 6)::int) FROM repayments " \
               "WHERE loan_id = ANY(:ids) AND NOT is_reversed"
    assert count(saturday, "weekend_payer") > 0.9
    assert count("""SELECT count(*) FROM repayments r JOIN holidays h
        ON h.holiday_date = r.payment_date WHERE r.loan_id = ANY(:ids)""", "holiday_payer") > 0
    assert count(saturday, "holiday_payer") > 0
    # late payers pay off schedule; those who stopped have nothing after their last payment
    assert count(off_schedule, "slow") > count(off_schedule, "mostly_on_time") > 0
    assert count("""SELECT count(*) FROM loans l WHERE loan_id = ANY(:ids) AND status = 'Closed'
        """, "stops_midway") == 0


def test_reversed_repayments_are_paid_again(db, book):
    reversed_ = _scalar(db, "SELECT count(*) FROM repayments WHERE is_reversed")
    assert reversed_ > 0
    assert _scalar(db, """SELECT count(*) FROM repayments v WHERE v.is_reversed AND NOT EXISTS
        (SELECT 1 FROM repayments r WHERE r.loan_id = v.loan_id AND NOT r.is_reversed
         AND r.payment_amount = v.payment_amount
         AND r.payment_date BETWEEN v.payment_date AND v.payment_date + 2)""") == 0


def test_metrics_engine_agrees_with_the_generated_statuses(db, book):
    with db.begin() as c:
        recalculate(c, AS_OF)
    assert _scalar(db, "SELECT count(*) FROM loans WHERE status = 'Closed' "
                       "AND actual_outstanding <> 0") == 0
    assert _scalar(db, "SELECT count(*) FROM loans WHERE status IN ('Active', 'Defaulted') "
                       "AND actual_outstanding = 0") == 0
    assert _scalar(db, "SELECT min(current_dpd) FROM loans WHERE status = 'Written Off'") >= 180
    assert _scalar(db, "SELECT min(current_dpd) FROM loans WHERE status = 'Defaulted'") > 90
    in_arrears = _scalar(db, "SELECT count(*) FROM loans WHERE status = 'Active' "
                             "AND current_dpd > 0")
    assert 0 < in_arrears < _scalar(db, "SELECT count(*) FROM loans WHERE status = 'Active'")


def test_same_seed_same_book_and_replace(db):
    first = _seed(db, 300, seed=5)
    checksum = _scalar(db, CHECKSUM)
    again = _seed(db, 300, seed=5, replace=True)
    assert _scalar(db, CHECKSUM) == checksum
    assert again.loan_profiles == first.loan_profiles
    _seed(db, 300, seed=6, replace=True)
    assert _scalar(db, CHECKSUM) != checksum
    assert _scalar(db, "SELECT count(*) FROM loans") == 300


def test_refuses_to_seed_over_a_book_without_replace(db):
    _seed(db, 40)
    before = _scalar(db, "SELECT count(*) FROM repayments")
    with pytest.raises(Conflict, match="--replace"):
        _seed(db, 40, seed=12)
    assert _scalar(db, "SELECT count(*) FROM loans") == 40
    assert _scalar(db, "SELECT count(*) FROM repayments") == before


def test_cli_seed(db):
    runner = CliRunner()
    args = ["db", "seed", "--loans", "200", "--seed", "7", "--as-of", "2026-06-30"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert re.search(r"loans\s*│\s*200\b", result.output)
    assert _scalar(db, "SELECT count(*) FROM loans") == 200
    refused = runner.invoke(app, args)
    assert refused.exit_code == 1
    assert "--replace" in refused.output
    replaced = runner.invoke(app, [*args, "--replace", "--seed", "8"])
    assert replaced.exit_code == 0, replaced.output
    assert _scalar(db, "SELECT count(*) FROM loans") == 200
