-- The ids of the first rows of the loans list in its order (the filters and order rendered
-- as in loan_list.sql; every value bound): the API keeps them to serve the first pages.
SELECT l.loan_id
FROM loans l
WHERE TRUE{where}
ORDER BY {order}
LIMIT :limit
