-- Loans given a last due date before their first due date: a problem of the row (the
-- installments are counted by derive_installments.sql).
INSERT INTO _imp_problems (file, line, column_name, value, reason, key)
SELECT %(file)s, s.line, 'last_payment_due_date', s.last_payment_due_date,
       'before first_payment_due_date ' || s.first_payment_due_date, s.loan_id
FROM _imp_loans s
WHERE s.installments IS NULL
  AND s.first_payment_due_date ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'
  AND s.last_payment_due_date ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'
  AND s.last_payment_due_date < s.first_payment_due_date
