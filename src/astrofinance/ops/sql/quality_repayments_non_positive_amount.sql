-- Repayments with a zero or negative payment_amount (the table's CHECK refuses them; a database
-- restored from elsewhere may lack it).
SELECT repayment_id AS id FROM repayments WHERE payment_amount <= 0
