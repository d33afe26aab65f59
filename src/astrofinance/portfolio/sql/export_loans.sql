-- The per-loan export (shared/spec/interfaces.md, "Per-loan export"): one row per loan.
-- The select list is built from the export's whitelist, the WHERE clause from the filters.
SELECT {columns}
FROM loans b
WHERE {where}
ORDER BY b.loan_id
