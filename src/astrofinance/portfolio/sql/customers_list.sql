-- Customers (optionally one officer's, or one customer) with how many loans they have.
SELECT c.customer_id, c.name, c.phone, c.email, c.officer_id, c.branch, c.state,
       count(l.loan_id) AS loans,
       count(l.loan_id) FILTER (WHERE l.status IN ('Active', 'Defaulted')) AS open_loans
FROM customers c
LEFT JOIN loans l ON l.customer_id = c.customer_id
WHERE (CAST(:officer_id AS text) IS NULL OR c.officer_id = :officer_id)
  AND (CAST(:customer_id AS text) IS NULL OR c.customer_id = :customer_id)
GROUP BY c.customer_id
ORDER BY c.customer_id
LIMIT :limit
