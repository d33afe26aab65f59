-- The generated schedules of one chunk of loans_unscheduled: the loans with ids in
-- [%(first)s, %(last)s] that still have none (another run may have scheduled some since).
SELECT generate_loan_schedules(ARRAY(
    SELECT l.loan_id FROM loans l
    WHERE l.loan_id BETWEEN %(first)s AND %(last)s
      AND l.schedule_source = 'generated'
      AND l.first_payment_due_date IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM loan_schedule_state s WHERE s.loan_id = l.loan_id)
    ORDER BY l.loan_id))
