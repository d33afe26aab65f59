-- One account of the chart.
SELECT code, name, account_type, normal_side, is_active, description
FROM chart_of_accounts
WHERE code = :code
