-- Loans due a generated schedule that have none: the loans a sync inserted (their schedules are
-- generated once per run, after the loan batches), or left by a run stopped before that step.
-- The rule, in one place: loans_unscheduled_chunks.sql and loans_generate_range.sql read it.
SELECT l.loan_id
FROM loans l
WHERE l.schedule_source = 'generated'
  AND l.first_payment_due_date IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM loan_schedule_state s WHERE s.loan_id = l.loan_id)
