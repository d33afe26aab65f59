"""The operators' views and functions, called from psql as operators do: vw_overdue_loans,
vw_daily_transactions, mvw_monthly_financial_summary with refresh_monthly_financial_summary(),
calculate_par, reconcile_ledger, provision_report, mark_defaulted_loans."""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess

from sqlalchemy import text

from astrofinance.db.embedded import bin_dir
from astrofinance.db.engine import libpq_url
from astrofinance.lending.service import charge_loan, record_payment, reverse_payment
from tests.accounting.ledger import D, lend, product, rows
from tests.metrics.book import add_loan, pay

OVERDUE_COLUMNS = ["loan_id", "customer_id", "customer_name", "customer_phone", "officer_id",
                   "officer_name", "officer_phone", "branch", "status", "installment_no",
                   "due_date", "amount_due", "amount_unpaid", "days_overdue"]
DAILY_COLUMNS = ["transaction_date", "transaction_type", "source", "transaction_count",
                 "total_amount", "loans"]
MONTHLY_COLUMNS = ["month", "month_label", "disbursements_count", "disbursements_amount",
                   "repayments_amount", "fees_charged", "penalties_charged", "new_loans",
                   "completed_loans", "refreshed_at"]


def psql(db, sql: str) -> list[dict[str, str]]:
    """Run one statement through psql (CSV out) and return its rows by column name."""
    res = subprocess.run(
        [str(bin_dir() / "psql"), libpq_url(db.url), "-X", "-q", "--csv", "-v",
         "ON_ERROR_STOP=1", "-c", sql], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    return list(csv.DictReader(io.StringIO(res.stdout)))


def _today(db) -> dt.date:
    with db.begin() as c:
        return c.execute(text("SELECT business_today()")).scalar_one()


def _ago(today: dt.date, days: int) -> str:
    return (today - dt.timedelta(days=days)).isoformat()


def test_vw_overdue_loans(db):
    today = _today(db)
    with db.begin() as c:
        c.execute(text("INSERT INTO officers (officer_id, name, phone) "
                       "VALUES ('O1', 'Officer Ola', '+2348011111111')"))
        c.execute(text("INSERT INTO customers (customer_id, name, phone, officer_id) "
                       "VALUES ('C9', 'Ada Obi', '+2348012345678', 'O1')"))
        add_loan(c, "OV1", principal="4000.00", n=4, officer_id="O1", disbursed=_ago(today, 40),
                 first_due=_ago(today, 30),
                 schedule=[(_ago(today, 30), "1000.00", "0", "0"),
                           (_ago(today, 10), "1000.00", "0", "0"),
                           (_ago(today, 0), "1000.00", "0", "0"),       # due today: not late
                           (_ago(today, -10), "1000.00", "0", "0")])
        c.execute(text("UPDATE loans SET customer_id = 'C9' WHERE loan_id = 'OV1'"))
        pay(c, "OV1", _ago(today, 25), "1500.00")
        pay(c, "OV1", _ago(today, 2), "300.00", reversed=True)           # does not count
        add_loan(c, "OV2", principal="1000.00", n=1, disbursed=_ago(today, 40),
                 first_due=_ago(today, 30), status="Written Off", written_off_on=_ago(today, 5))
    got = psql(db, "SELECT * FROM vw_overdue_loans ORDER BY loan_id, installment_no")
    assert list(got[0]) == OVERDUE_COLUMNS
    assert got == [{
        "loan_id": "OV1", "customer_id": "C9", "customer_name": "Ada Obi",
        "customer_phone": "+2348012345678", "officer_id": "O1", "officer_name": "Officer Ola",
        "officer_phone": "+2348011111111", "branch": "", "status": "Active",
        "installment_no": "2", "due_date": _ago(today, 10), "amount_due": "1000.00",
        "amount_unpaid": "500.00", "days_overdue": "10"}]
    # the per-loan state refreshed (loan_state.repaid_total path), then a new repayment
    # (the loan is stale again: summed from repayments): the same rule either way
    with db.begin() as c:
        c.execute(text("SELECT count(*) FROM compute_loan_fields(business_today())"))
    assert [r["amount_unpaid"] for r in psql(db, "SELECT * FROM vw_overdue_loans")] == ["500.00"]
    with db.begin() as c:
        pay(c, "OV1", _ago(today, 1), "400.00")
    assert [r["amount_unpaid"] for r in psql(db, "SELECT * FROM vw_overdue_loans")] == ["100.00"]


def _ledger_and_external(db) -> int:
    with db.begin() as c:
        product(c, "UPF", fee_rate=D("2"), fee_timing="upfront")
        lend(c, "VL1", "UPF", "10000.00", 6, dt.date(2025, 1, 6))
        record_payment(c, "VL1", D("3000.00"), dt.date(2025, 2, 6), "teller")
        second = record_payment(c, "VL1", D("500.00"), dt.date(2025, 2, 6), "teller")
        reverse_payment(c, second.transaction_id, "supervisor")
        add_loan(c, "EX1", principal="5000.00", n=5, disbursed="2025-01-06",
                 first_due="2025-01-07")
        pay(c, "EX1", "2025-02-06", "1000.00")
        pay(c, "EX1", "2025-02-06", "200.00", reversed=True)
        return second.transaction_id


def test_vw_daily_transactions(db):
    _ledger_and_external(db)
    today = _today(db).isoformat()
    got = psql(db, "SELECT * FROM vw_daily_transactions "
                   "ORDER BY transaction_date, transaction_type, source")
    assert list(got[0]) == DAILY_COLUMNS
    assert [tuple(r.values()) for r in got] == [
        ("2025-01-06", "disbursement", "external", "1", "5000.00", "1"),
        ("2025-01-06", "disbursement", "ledger", "1", "10000.00", "1"),
        ("2025-02-06", "repayment", "external", "1", "1000.00", "1"),
        ("2025-02-06", "repayment", "ledger", "2", "3500.00", "1"),   # reversed later
        (today, "reversal", "ledger", "1", "500.00", "1")]


def test_monthly_financial_summary_and_its_concurrent_refresh(db):
    today = _today(db)
    first = today.replace(day=1)
    with db.begin() as c:
        product(c, "UPF", fee_rate=D("2"), fee_timing="upfront")
        lend(c, "ML1", "UPF", "10000.00", 6, first)                     # fee 200
        record_payment(c, "ML1", D("1000.00"), first, "teller")
        charge_loan(c, "ML1", "penalty", D("50.00"), first, "teller")
        lend(c, "ML2", "UPF", "1000.00", 1, first)                      # fee 20
        owed = rows(c, "SELECT repayment_amount FROM loans WHERE loan_id = 'ML2'")[0][0]
        assert record_payment(c, "ML2", owed, first, "teller").loan_status == "Closed"
        add_loan(c, "MX1", principal="3000.00", n=3, frequency="monthly",
                 disbursed=first.isoformat(), first_due=(first + dt.timedelta(days=31)).isoformat())
        pay(c, "MX1", first.isoformat(), "400.00")
        pay(c, "MX1", first.isoformat(), "100.00", reversed=True)
        add_loan(c, "MXC", principal="900.00", n=1, frequency="monthly", disbursed="2024-01-05",
                 first_due="2024-02-05", status="Closed")
        c.execute(text("UPDATE loans SET closed_on = :d WHERE loan_id = 'MXC'"), {"d": first})
    before = psql(db, "SELECT * FROM mvw_monthly_financial_summary ORDER BY month")
    assert {r["disbursements_count"] for r in before} == {"0"}     # as of the migration
    psql(db, "SELECT refresh_monthly_financial_summary()")         # CONCURRENTLY: no error
    got = psql(db, "SELECT * FROM mvw_monthly_financial_summary ORDER BY month")
    assert list(got[0]) == MONTHLY_COLUMNS
    assert len(got) == 12 and got[-1]["month"] == first.isoformat()
    year, month = divmod(first.year * 12 + first.month - 1 - 11, 12)
    assert got[0]["month"] == dt.date(year, month + 1, 1).isoformat()   # 12 months back
    current = {k: v for k, v in got[-1].items() if k not in ("month", "refreshed_at")}
    assert current == {
        "month_label": first.strftime("%Y-%m"), "disbursements_count": "3",
        "disbursements_amount": "14000.00", "repayments_amount": f"{D('1400.00') + owed:.2f}",
        "fees_charged": "220.00", "penalties_charged": "50.00", "new_loans": "3",
        "completed_loans": "2"}
    assert all(r["disbursements_count"] == "0" for r in got[:-1])
    index = psql(db, "SELECT indexdef FROM pg_indexes "
                     "WHERE tablename = 'mvw_monthly_financial_summary'")
    assert index == [{"indexdef": "CREATE UNIQUE INDEX mvw_monthly_financial_summary_month_uq "
                                  "ON public.mvw_monthly_financial_summary USING btree (month)"}]


def test_functions_callable_from_psql(db):
    _ledger_and_external(db)
    par = psql(db, "SELECT * FROM calculate_par(30, '2025-03-31')")
    assert list(par[0]) == ["as_of", "days_threshold", "loans_on_books", "loans_at_risk",
                            "gross_loan_portfolio", "principal_at_risk", "par_percent",
                            "par_count_percent"]
    assert (par[0]["as_of"], par[0]["loans_on_books"]) == ("2025-03-31", "2")
    assert [r["difference"] for r in psql(db, "SELECT * FROM reconcile_ledger()")] == [
        "0.00", "0.00", "0.00"]
    classes = psql(db, "SELECT * FROM provision_report('2025-03-31')")
    assert [r["class_key"] for r in classes] == [
        "performing", "pass_and_watch", "substandard", "doubtful", "lost"]
    assert sum(int(r["loans"]) for r in classes) == 1                 # VL1 only: EX1 is not ours
    assert psql(db, "SELECT mark_defaulted_loans(30, 'psql-user')") == [
        {"mark_defaulted_loans": "1"}]
    assert psql(db, "SELECT book_loan_loss_provision('2025-03-31', 'psql-user') IS NOT NULL "
                    "AS posted") == [{"posted": "t"}]
