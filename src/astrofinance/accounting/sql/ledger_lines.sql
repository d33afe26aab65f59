-- One account's lines (optionally one loan's) dated in [:date_from, :date_to], oldest first,
-- at most :limit, with the running net (debits - credits) from the period's start; the service
-- adds the opening balance and turns the net to the account's normal side.
SELECT e.entry_date, e.id AS entry_id, d.id AS line_id, e.entry_type, e.transaction_id,
       e.description, d.loan_id, d.component, d.debit, d.credit,
       sum(d.debit - d.credit) OVER (ORDER BY e.entry_date, e.id, d.id) AS running_net
FROM journal_entry_details d
JOIN journal_entries e ON e.id = d.entry_id
WHERE d.account_code = :account
  AND (CAST(:date_from AS date) IS NULL OR e.entry_date >= :date_from)
  AND (CAST(:date_to AS date) IS NULL OR e.entry_date <= :date_to)
  AND (CAST(:loan_id AS text) IS NULL OR d.loan_id = :loan_id)
ORDER BY e.entry_date, e.id, d.id
LIMIT :limit
