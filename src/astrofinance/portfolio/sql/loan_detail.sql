-- One loan with its customer, officer and product names (GET /api/v1/loans/{id}); scoped.
SELECT l.*, c.name AS customer_name, c.phone AS customer_phone, o.name AS officer_name,
       o.email AS officer_email, o.phone AS officer_phone
FROM loans l
LEFT JOIN customers c ON c.customer_id = l.customer_id
LEFT JOIN officers o ON o.officer_id = l.officer_id
WHERE l.loan_id = :loan_id{scope}
