-- Loans that give their last due date instead of a number of installments (the Django Ajo
-- app's end_date): the installments are the business days from the first to the last due
-- date, both included (business_day_index counts business days up to and including a day).
UPDATE _imp_loans s
SET installments = (e.business_day_index - b.business_day_index
                    + CASE WHEN b.is_business_day THEN 1 ELSE 0 END)::text
FROM business_calendar b, business_calendar e
WHERE s.installments IS NULL
  AND s.first_payment_due_date ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'
  AND s.last_payment_due_date ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'
  AND s.last_payment_due_date >= s.first_payment_due_date
  AND b.day = s.first_payment_due_date::date
  AND e.day = s.last_payment_due_date::date
