-- The latest :limit journal entries dated on or after :since (NULL: any), of one loan when
-- :loan_id is given (the entry's loan or any of its lines' loans).
SELECT e.id, e.entry_date, e.entry_type, e.transaction_id, e.loan_id, e.description,
       e.created_by, e.created_at
FROM journal_entries e
WHERE (CAST(:since AS date) IS NULL OR e.entry_date >= :since)
  AND (CAST(:loan_id AS text) IS NULL
       OR e.loan_id = :loan_id
       OR EXISTS (SELECT 1 FROM journal_entry_details d
                  WHERE d.entry_id = e.id AND d.loan_id = :loan_id))
ORDER BY e.entry_date DESC, e.id DESC
LIMIT :limit
