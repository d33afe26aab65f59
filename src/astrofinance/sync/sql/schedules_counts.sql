-- Rows of schedules.csv written: for loans getting their first supplied schedule (inserted)
-- and for loans whose supplied schedule changed (updated).
SELECT count(*) FILTER (WHERE NOT c.was_supplied) AS inserted,
       count(*) FILTER (WHERE c.was_supplied) AS updated
FROM _imp_schedules s JOIN _imp_sched_changed c USING (loan_id)
