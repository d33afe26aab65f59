-- Loans with no installment in payment_schedules.
SELECT l.loan_id AS id
FROM loans l
WHERE NOT EXISTS (SELECT 1 FROM payment_schedules s WHERE s.loan_id = l.loan_id)
