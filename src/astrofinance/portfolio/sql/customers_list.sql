-- Customers matching the filters of portfolio/customers.py (rendered into the WHERE below;
-- every value bound), with how many loans they have, by id; :limit NULL means all (CSV).
SELECT c.customer_id, c.name, c.phone, c.email, c.officer_id, c.branch, c.state,
       n.loans, n.open_loans
FROM customers c
CROSS JOIN LATERAL (
    SELECT count(*) AS loans,
           count(*) FILTER (WHERE l.status IN ('Active', 'Defaulted')) AS open_loans
    FROM loans l
    WHERE l.customer_id = c.customer_id) n
WHERE TRUE{where}
ORDER BY c.customer_id
LIMIT :limit OFFSET :offset
