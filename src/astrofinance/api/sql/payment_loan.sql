-- The loan (and its officer) of a payment named by its transaction id or by its repayment id
-- (POST /payments/{id}/reverse: the scope check and the loan to show).
SELECT l.loan_id, l.officer_id
FROM transactions t
JOIN loans l ON l.loan_id = t.loan_id
WHERE t.id = CAST(:txn AS bigint) OR t.repayment_id = CAST(:rep AS text)
LIMIT 1
