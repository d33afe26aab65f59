-- A loan's installments; paid_on is the date the installment became fully paid (m_i), as of
-- the last recalculation.
SELECT installment_no, due_date, principal_due, interest_due, fee_due, amount_due,
       cumulative_due, paid_on
FROM vw_payment_schedules
WHERE loan_id = %s
ORDER BY installment_no
