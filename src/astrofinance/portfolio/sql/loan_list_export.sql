-- The whole filtered loans list, for CSV (same filters and order as loan_list.sql).
SELECT {columns}
FROM loans l
LEFT JOIN customers c ON c.customer_id = l.customer_id
LEFT JOIN officers o ON o.officer_id = l.officer_id
WHERE TRUE{where}
ORDER BY {order}
