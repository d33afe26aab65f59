-- The lines of the given journal entries, in entry and line order, with their account's name.
SELECT d.entry_id, d.id AS line_id, d.account_code, c.name AS account_name, d.loan_id,
       d.component, d.debit, d.credit
FROM journal_entry_details d
JOIN chart_of_accounts c ON c.code = d.account_code
WHERE d.entry_id = ANY (:entry_ids)
ORDER BY d.entry_id, d.id
