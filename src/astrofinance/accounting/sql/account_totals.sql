-- Every account of the chart with its debits, credits and line count over the journal entries
-- dated in [:date_from, :date_to] (NULL: unbounded). The trial balance, the balance sheet, the
-- income statement and the chart listing are all read from this one query.
SELECT c.code, c.name, c.account_type, c.normal_side, c.is_active, c.description,
       coalesce(t.debits, 0) AS debits, coalesce(t.credits, 0) AS credits,
       coalesce(t.lines, 0) AS lines
FROM chart_of_accounts c
LEFT JOIN (
    SELECT d.account_code, sum(d.debit) AS debits, sum(d.credit) AS credits, count(*) AS lines
    FROM journal_entry_details d
    JOIN journal_entries e ON e.id = d.entry_id
    WHERE (CAST(:date_from AS date) IS NULL OR e.entry_date >= :date_from)
      AND (CAST(:date_to AS date) IS NULL OR e.entry_date <= :date_to)
    GROUP BY d.account_code
) t ON t.account_code = c.code
ORDER BY c.code
