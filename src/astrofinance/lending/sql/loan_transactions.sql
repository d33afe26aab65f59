-- A loan's transactions, oldest first, with their journal entry and whether they are reversed.
SELECT t.transaction_id, t.txn_type, t.txn_date, t.amount, t.repayment_id, t.reverses_id,
       t.installment_no, t.idempotency_key, t.is_reversed, t.note, t.created_by, t.created_at,
       e.id AS journal_entry_id
FROM vw_transactions t
LEFT JOIN journal_entries e ON e.transaction_id = t.transaction_id
WHERE t.loan_id = :l
ORDER BY t.transaction_id
