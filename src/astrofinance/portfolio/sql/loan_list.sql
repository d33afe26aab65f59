-- One page of the loans list (GET /api/v1/loans; :limit NULL: the whole list, for CSV): the
-- WHERE and ORDER BY come from the whitelists of portfolio/loan_list.py; every value is a
-- bound parameter.
SELECT {columns}
FROM loans l
LEFT JOIN customers c ON c.customer_id = l.customer_id
LEFT JOIN officers o ON o.officer_id = l.officer_id
WHERE TRUE{where}
ORDER BY {order}
LIMIT :limit OFFSET :offset
