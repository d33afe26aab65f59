"""The worked example of shared/spec/metrics.md, every value it states."""

from decimal import Decimal as D

from sqlalchemy import text

from tests.metrics.book import add_loan, day, due_dates, fields, paid_dates, pay


def _example(conn):
    loan = add_loan(conn, "WX1", principal="10000.00", interest="2000.00", n=10,
                    disbursed="2025-02-28", first_due="2025-03-03")
    pay(conn, loan, "2025-03-03", "1200.00")
    pay(conn, loan, "2025-03-05", "600.00")
    pay(conn, loan, "2025-03-11", "3000.00")
    return loan


def test_schedule_of_the_worked_example(db):
    with db.begin() as conn:
        loan = _example(conn)
        assert due_dates(conn, loan) == [
            "2025-03-03", "2025-03-04", "2025-03-05", "2025-03-06", "2025-03-07",
            "2025-03-10", "2025-03-11", "2025-03-12", "2025-03-13", "2025-03-14"]
        amounts = conn.execute(text(
            "SELECT amount_due, principal_due, interest_due FROM payment_schedules "
            "WHERE loan_id = :l ORDER BY installment_no"), {"l": loan}).all()
        assert {a for a, _, _ in amounts} == {D("1200.00")}
        assert {(p, i) for _, p, i in amounts} == {(D("1000.00"), D("200.00"))}


def test_every_value_of_the_worked_example(db):
    with db.begin() as conn:
        loan = _example(conn)
        f = fields(conn, loan, "2025-03-12")
        # m_1 = Mar 3, m_2..m_4 = Mar 11, the rest unpaid
        assert paid_dates(conn, loan)[:5] == [
            "2025-03-03", "2025-03-11", "2025-03-11", "2025-03-11", None]
    assert f["total_repayments"] == D("4800.00")
    assert f["total_outstanding"] == D("7200.00")
    assert f["actual_outstanding"] == D("7200.00")
    assert f["principal_outstanding"] == D("6000.00")
    assert f["interest_outstanding"] == D("1200.00")
    assert f["fees_outstanding"] == D("0.00")
    assert f["overpaid_amount"] == D("0.00")
    assert f["current_dpd"] == 5
    assert f["max_dpd_ever"] == 6
    assert f["installments_in_arrears"] == 3
    assert f["repayment_days_due_today"] == 8
    assert f["fimr_tagged"] is False
    assert f["repayment_delay_rate"] == D("14.29")
    assert f["timeliness_score"] == D("87.62")
    assert f["repayment_health"] == D("74.57")
    assert f["daily_repayment_amount"] == D("1200.00")
    assert f["repayment_days_paid"] == D("4.00")
    assert f["early_indicator_tagged"] is True
    assert f["days_since_last_repayment"] == 1
    assert f["business_days_since_disbursement"] == 8
    assert f["as_of"] == day("2025-03-12")


def test_recalculate_stores_the_fields_and_reports_counts(db):
    with db.begin() as conn:
        _example(conn)
        r = conn.execute(text("SELECT * FROM recalculate_all_loan_fields('2025-03-12')")).one()
        assert (r.total_loans_processed, r.loans_updated) == (1, 1)
        assert r.execution_time_ms >= 0
        row = conn.execute(text(
            "SELECT current_dpd, max_dpd_ever, timeliness_score, fields_as_of FROM loans "
            "WHERE loan_id = 'WX1'")).one()
        assert tuple(row) == (5, 6, D("87.62"), day("2025-03-12"))
        again = conn.execute(text("SELECT * FROM recalculate_all_loan_fields('2025-03-12')")).one()
        assert (again.total_loans_processed, again.loans_updated) == (1, 0)
