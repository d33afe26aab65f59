-- A loan's installments with the date each became fully paid (as of the last recalculation).
SELECT installment_no, due_date, principal_due, interest_due, fee_due, penalty_due, amount_due,
       cumulative_due, paid_on
FROM vw_payment_schedules
WHERE loan_id = :loan_id
ORDER BY installment_no
