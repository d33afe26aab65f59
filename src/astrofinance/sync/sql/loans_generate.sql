-- Generated schedules for the new loans that schedules.csv does not cover
-- (generate_loan_schedules itself skips loans whose schedule is supplied).
SELECT generate_loan_schedules(ARRAY(
    SELECT r.loan_id FROM _imp_regen r
    WHERE NOT EXISTS (SELECT 1 FROM _imp_schedules s WHERE s.loan_id = r.loan_id)))
