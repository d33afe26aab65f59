"""Edge cases of the per-loan fields, each value worked out by hand in the comment above it.

Unless stated: a daily loan of 1,000.00, no interest or fee, 5 installments of 200.00,
disbursed Fri 2025-02-28, first due Mon 2025-03-03 -> due Mar 3, 4, 5, 6, 7 (Mon-Fri work week).
"""

from decimal import Decimal as D

from sqlalchemy import text

from tests.metrics.book import add_holiday, add_loan, due_dates, fields, paid_dates, pay


def _loan(conn, **kw):
    args = dict(principal="1000.00", n=5, disbursed="2025-02-28", first_due="2025-03-03")
    args.update(kw)
    return add_loan(conn, **args)


def test_overpayment(db):
    with db.begin() as c:
        loan = _loan(c)
        pay(c, loan, "2025-03-03", "1300.00")
        f = fields(c, loan, "2025-03-10")
    # 1,300 paid against 1,000 repayable: -300 outstanding, 300 overpaid, all components 0
    assert f["total_repayments"] == D("1300.00")
    assert f["total_outstanding"] == D("-300.00")
    assert (f["actual_outstanding"], f["overpaid_amount"]) == (D("0.00"), D("300.00"))
    assert f["principal_outstanding"] == D("0.00")
    # min(5, 1300 / 200 = 6.5) = 5
    assert f["repayment_days_paid"] == D("5.00")
    # every installment fully paid Mar 3, on or before its due date
    assert (f["current_dpd"], f["max_dpd_ever"], f["installments_in_arrears"]) == (0, 0, 0)
    assert f["repayment_delay_rate"] == D("100.00")
    assert f["timeliness_score"] == D("100.00")
    # 0.4*100 + 40*min(1, 1300/1000) + 20*(1 - 0) = 100
    assert f["repayment_health"] == D("100.00")
    assert f["days_since_last_repayment"] == 7
    # Mar 3-7 and Mar 10
    assert f["business_days_since_disbursement"] == 6


def test_payment_before_the_first_due_date(db):
    with db.begin() as c:
        loan = _loan(c)
        pay(c, loan, "2025-02-28", "200.00")
        f = fields(c, loan, "2025-03-04")
        assert paid_dates(c, loan)[0] == "2025-02-28"
    # installment 1 (Mar 3) paid early; installment 2 is due today, not past due
    assert (f["current_dpd"], f["fimr_tagged"], f["fimr_eligible"]) == (0, False, True)
    assert f["repayment_days_due_today"] == 2
    assert f["repayment_delay_rate"] == D("100.00")
    assert f["repayment_health"] == D("100.00")
    assert f["days_since_last_repayment"] == 4
    assert f["business_days_since_disbursement"] == 2


def test_token_payment_does_not_clear_fimr(db):
    with db.begin() as c:
        loan = _loan(c)
        pay(c, loan, "2025-03-03", "50.00")
        f = fields(c, loan, "2025-03-05")
    # installments 1 (Mar 3) and 2 (Mar 4) past due, neither fully paid: DPD 5 - 3 = 2
    assert (f["current_dpd"], f["installments_in_arrears"]) == (2, 2)
    assert f["fimr_tagged"] is True and f["early_indicator_tagged"] is True
    assert f["repayment_delay_rate"] == D("0.00")
    # L = 2, 1: 100 * (28/30 + 29/30) / 2 = 95
    assert f["timeliness_score"] == D("95.00")
    # 0.4*95 + 40*(50/400) + 20*(1 - 2/30) = 38 + 5 + 18.667 = 61.67
    assert f["repayment_health"] == D("61.67")
    assert f["principal_outstanding"] == D("950.00")
    assert f["repayment_days_paid"] == D("0.25")


def test_payment_on_a_weekend(db):
    with db.begin() as c:
        loan = _loan(c)
        pay(c, loan, "2025-03-08", "400.00")  # a Saturday
        f = fields(c, loan, "2025-03-10")
        assert paid_dates(c, loan)[:3] == ["2025-03-08", "2025-03-08", None]
    # oldest unpaid: installment 3 due Mar 5 -> 5 days on Mon Mar 10
    assert f["current_dpd"] == 5
    # inst 1: Mar 7 - Mar 3 = 4; inst 2: Mar 7 - Mar 4 = 3; inst 3 unpaid: 5 -> 5
    assert f["max_dpd_ever"] == 5
    assert f["days_since_last_repayment"] == 2


def test_holiday_shifts_a_daily_schedule_and_a_payment_on_it_counts(db):
    with db.begin() as c:
        add_holiday(c, "2025-03-05", "Test holiday")
        loan = _loan(c)
        assert due_dates(c, loan) == [
            "2025-03-03", "2025-03-04", "2025-03-06", "2025-03-07", "2025-03-10"]
        pay(c, loan, "2025-03-03", "200.00")
        pay(c, loan, "2025-03-05", "200.00")  # paid on the holiday, a day late
        f = fields(c, loan, "2025-03-06")
    # past due: Mar 3 (on time), Mar 4 (paid Mar 5: late by 1)
    assert f["current_dpd"] == 0
    assert f["repayment_delay_rate"] == D("50.00")
    # 100 * (1 + 29/30) / 2 = 98.33
    assert f["timeliness_score"] == D("98.33")
    # Mar 3, 4, 6 (Mar 5 is a holiday)
    assert f["business_days_since_disbursement"] == 3
    assert f["max_dpd_ever"] == 0


def test_partial_payment_does_not_reset_dpd(db):
    with db.begin() as c:
        loan = _loan(c)
        pay(c, loan, "2025-03-03", "200.00")
        pay(c, loan, "2025-03-04", "100.00")
        f = fields(c, loan, "2025-03-07")
    # installment 2 (Mar 4) only half paid: DPD 7 - 4 = 3; inst 2, 3, 4 in arrears
    assert (f["current_dpd"], f["installments_in_arrears"]) == (3, 3)
    assert f["principal_outstanding"] == D("700.00")
    assert f["repayment_days_paid"] == D("1.50")


def test_no_repayment(db):
    with db.begin() as c:
        loan = _loan(c)
        f = fields(c, loan, "2025-03-10")
    # 5 installments past due, the oldest Mar 3: DPD 7
    assert (f["current_dpd"], f["max_dpd_ever"], f["installments_in_arrears"]) == (7, 7, 5)
    assert (f["fimr_tagged"], f["early_indicator_tagged"]) == (True, False)
    assert f["repayment_delay_rate"] == D("0.00")
    # L = 7, 6, 5, 4, 3: 100 * (5 - 25/30) / 5 = 83.33
    assert f["timeliness_score"] == D("83.33")
    # 0.4*83.333 + 0 + 20*(1 - 7/30) = 33.333 + 15.333 = 48.67
    assert f["repayment_health"] == D("48.67")
    assert f["days_since_last_repayment"] is None
    assert f["total_repayments"] == D("0.00")
    assert f["repayment_days_paid"] == D("0.00")


def test_past_maturity(db):
    with db.begin() as c:
        loan = _loan(c)
        f = fields(c, loan, "2025-04-30")
    # Apr 30 - Mar 3 = 58 days; every installment due; 30+ days late scores nothing
    assert (f["current_dpd"], f["max_dpd_ever"], f["repayment_days_due_today"]) == (58, 58, 5)
    assert f["timeliness_score"] == D("0.00")
    assert f["repayment_health"] == D("0.00")


def test_written_off_loan_freezes_its_arrears_fields(db):
    with db.begin() as c:
        loan = _loan(c, status="Written Off", written_off_on="2025-03-07")
        pay(c, loan, "2025-04-10", "100.00")  # a recovery after the write-off
        f = fields(c, loan, "2025-04-30")
    # arrears as of Mar 7: inst 1-4 past due (Mar 3-6), DPD 4, 5 due to date
    assert (f["current_dpd"], f["max_dpd_ever"], f["installments_in_arrears"]) == (4, 4, 4)
    assert f["repayment_days_due_today"] == 5
    assert f["fimr_tagged"] is True
    # L = 4, 3, 2, 1: 100 * (4 - 10/30) / 4 = 91.67; health 0.4*91.667 + 0 + 20*(26/30) = 54
    assert f["timeliness_score"] == D("91.67")
    assert f["repayment_health"] == D("54.00")
    # balances move with the recovery (as of T), the written-off principal does not
    assert f["total_repayments"] == D("100.00")
    assert f["principal_outstanding"] == D("900.00")
    assert f["written_off_principal"] == D("1000.00")
    assert f["days_since_last_repayment"] == 20
    # Mar 3..Apr 30 business days: 21 in March + 22 in April
    assert f["business_days_since_disbursement"] == 43


def test_reversed_payment_is_ignored_and_a_reversal_is_picked_up(db):
    with db.begin() as c:
        loan = _loan(c)
        rid = pay(c, loan, "2025-03-03", "200.00")
        c.execute(text("SELECT recalculate_all_loan_fields('2025-03-04')"))
        assert c.execute(text("SELECT current_dpd FROM loans WHERE loan_id = :l"),
                         {"l": loan}).scalar_one() == 0
        c.execute(text("UPDATE repayments SET is_reversed = true WHERE repayment_id = :r"),
                  {"r": rid})
        c.execute(text("SELECT recalculate_all_loan_fields('2025-03-04')"))
        row = c.execute(text("SELECT current_dpd, total_repayments, fimr_tagged FROM loans "
                             "WHERE loan_id = :l"), {"l": loan}).one()
    assert tuple(row) == (1, D("0.00"), True)


def test_installment_due_today_is_not_past_due(db):
    with db.begin() as c:
        loan = _loan(c)
        f = fields(c, loan, "2025-03-03")
    assert (f["current_dpd"], f["installments_in_arrears"], f["repayment_days_due_today"]) == (
        0, 0, 1)
    assert (f["fimr_tagged"], f["fimr_eligible"]) == (False, False)
    assert f["repayment_delay_rate"] is None
    assert f["timeliness_score"] is None and f["repayment_health"] is None


def test_monthly_loan_due_on_the_31st(db):
    with db.begin() as c:
        loan = add_loan(c, principal="600.00", n=6, frequency="monthly",
                        disbursed="2025-01-01", first_due="2025-01-31")
        # Feb clamps to the 28th; May 31 is a Saturday -> Mon Jun 2; June stays on the 30th
        assert due_dates(c, loan) == ["2025-01-31", "2025-02-28", "2025-03-31",
                                      "2025-04-30", "2025-06-02", "2025-06-30"]


def test_weekly_due_date_on_a_holiday_rolls_forward_alone(db):
    with db.begin() as c:
        loan = add_loan(c, principal="400.00", n=4, frequency="weekly",
                        disbursed="2025-02-24", first_due="2025-03-03")
        assert due_dates(c, loan) == ["2025-03-03", "2025-03-10", "2025-03-17", "2025-03-24"]
        add_holiday(c, "2025-03-10", "A holiday declared later")  # regenerates the schedule
        assert due_dates(c, loan) == ["2025-03-03", "2025-03-11", "2025-03-17", "2025-03-24"]


def test_repayment_after_the_as_of_date_is_ignored(db):
    with db.begin() as c:
        loan = _loan(c)
        pay(c, loan, "2025-03-03", "200.00")
        pay(c, loan, "2025-03-20", "800.00")
        f = fields(c, loan, "2025-03-05")
    assert f["total_repayments"] == D("200.00")
    assert f["current_dpd"] == 1
    assert f["days_since_last_repayment"] == 2
    assert f["principal_outstanding"] == D("800.00")


def test_allocation_fees_then_interest_then_principal(db):
    with db.begin() as c:
        # 5 x (200 principal + 20 interest + 10 fee) = 230
        loan = _loan(c, interest="100.00", fee="50.00")
        pay(c, loan, "2025-03-03", "250.00")
        f = fields(c, loan, "2025-03-03")
    # inst 1 fully paid (230); the 20 left pays inst 2's fee (10) then interest (10)
    assert f["principal_outstanding"] == D("800.00")
    assert f["interest_outstanding"] == D("70.00")
    assert f["fees_outstanding"] == D("30.00")
    assert f["actual_outstanding"] == D("900.00")


def test_uneven_split_puts_the_remainder_last(db):
    with db.begin() as c:
        loan = _loan(c, principal="1000.00", interest="100.00", n=3)
        rows = c.execute(text("SELECT principal_due, interest_due, cumulative_due "
                              "FROM payment_schedules WHERE loan_id = :l ORDER BY installment_no"),
                         {"l": loan}).all()
    assert [tuple(r) for r in rows] == [
        (D("333.33"), D("33.33"), D("366.66")),
        (D("333.33"), D("33.33"), D("733.32")),
        (D("333.34"), D("33.34"), D("1100.00"))]


def test_fimr_grace_days(db):
    with db.begin() as c:
        c.execute(text("UPDATE app_settings SET value = '2' WHERE key = 'fimr_grace_days'"))
        late = _loan(c)
        pay(c, late, "2025-03-05", "200.00")   # d1 + 2: inside the grace
        missed = _loan(c)
        pay(c, missed, "2025-03-06", "200.00")  # d1 + 3: outside
        f_late, f_missed = fields(c, late, "2025-03-10"), fields(c, missed, "2025-03-10")
        f_early = fields(c, missed, "2025-03-05")
    assert f_late["fimr_tagged"] is False
    assert f_missed["fimr_tagged"] is True
    # T = d1 + 2 is not yet beyond the grace: not eligible, not tagged
    assert (f_early["fimr_eligible"], f_early["fimr_tagged"]) == (False, False)
