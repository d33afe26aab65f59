-- A loan's repayments, oldest first (reversed ones included, flagged).
SELECT repayment_id, payment_date, payment_amount, is_reversed, channel, reference,
       source_system, created_at, updated_at
FROM repayments
WHERE loan_id = :loan_id
ORDER BY payment_date, created_at, repayment_id
