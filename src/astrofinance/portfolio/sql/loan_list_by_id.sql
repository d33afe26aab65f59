-- The list's columns of the loans with these ids (in no particular order). Run on the
-- psycopg cursor itself (loan_list.rows_by_id), hence its placeholder style.
SELECT {columns}
FROM loans l
LEFT JOIN customers c ON c.customer_id = l.customer_id
LEFT JOIN officers o ON o.officer_id = l.officer_id
WHERE l.loan_id = ANY(%(ids)s)
