-- The generated schedules of one chunk: the unscheduled loans (loans_unscheduled.sql) with ids
-- in [%(first)s, %(last)s] (another run may have scheduled some since the chunks were cut).
SELECT generate_loan_schedules(ARRAY(
    SELECT u.loan_id FROM ({unscheduled}) u
    WHERE u.loan_id BETWEEN %(first)s AND %(last)s
    ORDER BY u.loan_id))
