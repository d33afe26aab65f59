-- One account's (optionally one loan's lines on it) debits and credits before :date_from (the
-- opening balance) and in [:date_from, :date_to] (NULL: unbounded), with its line count there.
SELECT coalesce(sum(d.debit) FILTER (WHERE e.entry_date < :date_from), 0) AS opening_debits,
       coalesce(sum(d.credit) FILTER (WHERE e.entry_date < :date_from), 0) AS opening_credits,
       coalesce(sum(d.debit) FILTER (WHERE e.entry_date >= :date_from
                                        OR CAST(:date_from AS date) IS NULL), 0) AS debits,
       coalesce(sum(d.credit) FILTER (WHERE e.entry_date >= :date_from
                                         OR CAST(:date_from AS date) IS NULL), 0) AS credits,
       count(*) FILTER (WHERE e.entry_date >= :date_from OR CAST(:date_from AS date) IS NULL)
           AS lines
FROM journal_entry_details d
JOIN journal_entries e ON e.id = d.entry_id
WHERE d.account_code = :account
  AND (CAST(:date_to AS date) IS NULL OR e.entry_date <= :date_to)
  AND (CAST(:loan_id AS text) IS NULL OR d.loan_id = :loan_id)
