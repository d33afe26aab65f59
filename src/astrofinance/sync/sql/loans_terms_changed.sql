-- Before the loans upsert: the bundle's loans that are new or whose schedule terms change.
-- Their generated schedules are built after the upsert (loans_generate.sql).
CREATE TEMP TABLE _imp_regen ON COMMIT DROP AS
SELECT s.loan_id
FROM _imp_loans s
LEFT JOIN loans l USING (loan_id)
WHERE l.loan_id IS NULL
   OR (l.loan_amount, l.interest_amount, l.fee_amount, l.installments, l.frequency,
       l.first_payment_due_date)
      IS DISTINCT FROM
      (s.loan_amount::numeric(18,2), coalesce(s.interest_amount::numeric(18,2), 0),
       coalesce(s.fee_amount::numeric(18,2), 0), s.installments::integer, s.frequency,
       s.first_payment_due_date::date)
