-- The rows of collections_rows.sql (the same columns and rules), for a filter by officer: a
-- few of the book's loans, so each side joins those loans' rows, found by their loan indexes,
-- instead of reading every row of the period.
SELECT r.payment_date AS day, {key1} AS k1, {key2} AS k2, r.payment_amount AS collected,
       NULL::numeric AS due
FROM repayments r JOIN loans b ON b.loan_id = r.loan_id
WHERE NOT r.is_reversed AND r.payment_date BETWEEN :date_from AND :date_to
  AND b.status NOT IN ('Pending', 'Cancelled')
  {filters}
UNION ALL
SELECT s.due_date, {key1}, {key2}, NULL, s.amount_due
FROM payment_schedules s JOIN loans b ON b.loan_id = s.loan_id
WHERE s.due_date BETWEEN :date_from AND :date_to
  AND b.status NOT IN ('Pending', 'Cancelled')
  {filters}
