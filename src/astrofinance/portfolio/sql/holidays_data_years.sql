-- The years the loan book covers: the first disbursement and the last due date (or the
-- last first-payment date when no schedule exists yet).
SELECT extract(year FROM (SELECT min(disbursement_date) FROM loans))::integer AS first_year,
       extract(year FROM greatest((SELECT max(due_date) FROM payment_schedules),
                                  (SELECT max(first_payment_due_date) FROM loans)))::integer
           AS last_year
