-- About one repayment per installment due by as_of: most on the due date, some 1-9 days
-- late, a few skipped, some for half the amount, one in 200 reversed; none after as_of or
-- after a write-off. (random() in a subquery's select list: evaluated once per row.)
INSERT INTO repayments (repayment_id, loan_id, payment_date, payment_amount, is_reversed,
                        channel, reference)
SELECT 'RP' || substr(loan_id, 3) || '-' || installment_no, loan_id,
       due_date + CASE WHEN r1 < 0.85 THEN 0 ELSE 1 + floor(r2 * 9)::int END,
       CASE WHEN r2 < 0.05 THEN round(amount_due / 2, 2) ELSE amount_due END,
       r3 < 0.005, 'agent', 'BENCH'
FROM (
    SELECT s.loan_id, s.installment_no, s.due_date, s.amount_due, l.written_off_on,
           random() AS r1, random() AS r2, random() AS r3
    FROM payment_schedules s JOIN loans l USING (loan_id)
    WHERE s.due_date <= %(as_of)s::date
) AS p
WHERE r1 < 0.97
  AND due_date + CASE WHEN r1 < 0.85 THEN 0 ELSE 1 + floor(r2 * 9)::int END
      <= least(%(as_of)s::date, coalesce(written_off_on, %(as_of)s::date));
