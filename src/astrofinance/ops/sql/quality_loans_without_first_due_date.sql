-- Loans without a first_payment_due_date.
SELECT loan_id AS id FROM loans WHERE first_payment_due_date IS NULL
