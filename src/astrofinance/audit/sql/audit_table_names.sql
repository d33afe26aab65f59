-- The tables the log can hold rows of: those audited now, and any in the log already.
SELECT table_name FROM audit_tables
UNION
SELECT DISTINCT table_name FROM audit_logs
ORDER BY 1
