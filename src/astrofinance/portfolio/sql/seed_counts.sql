-- What the demo book holds: (kind, key, count) rows for the seed's summary.
SELECT 'table' AS kind, 'officers' AS key, count(*) AS n FROM officers
UNION ALL SELECT 'table', 'customers', count(*) FROM customers
UNION ALL SELECT 'table', 'loans', count(*) FROM loans
UNION ALL SELECT 'table', 'repayments', count(*) FROM repayments
UNION ALL SELECT 'table', 'reversed repayments', count(*) FROM repayments WHERE is_reversed
UNION ALL SELECT 'table', 'schedule rows', count(*) FROM payment_schedules
UNION ALL SELECT 'table', 'holidays', count(*) FROM holidays WHERE officer_id IS NULL
UNION ALL (SELECT 'status', status, count(*) FROM loans GROUP BY status ORDER BY status)
UNION ALL (SELECT 'wave', coalesce(wave, '(none)'), count(*) FROM loans GROUP BY wave ORDER BY 2);
