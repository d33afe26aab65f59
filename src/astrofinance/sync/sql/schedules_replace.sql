-- Replace the changed loans' installments by the supplied ones; cumulative_due is filled in
-- by refresh_cumulative_due (which also marks the loans for the paid-date refresh).
UPDATE loans l SET schedule_source = 'supplied', updated_at = now()
FROM _imp_sched_changed c
WHERE l.loan_id = c.loan_id AND l.schedule_source <> 'supplied';

DELETE FROM payment_schedules ps USING _imp_sched_changed c WHERE ps.loan_id = c.loan_id;

INSERT INTO payment_schedules (loan_id, installment_no, due_date, principal_due, interest_due,
                               fee_due, cumulative_due)
SELECT s.loan_id, s.installment_no::integer, s.due_date::date, s.principal_due::numeric(18,2),
       coalesce(s.interest_due::numeric(18,2), 0), coalesce(s.fee_due::numeric(18,2), 0), 0
FROM _imp_schedules s JOIN _imp_sched_changed c USING (loan_id);

SELECT refresh_cumulative_due(ARRAY(SELECT loan_id FROM _imp_sched_changed));
