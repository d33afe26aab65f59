-- The loans whose supplied schedule (schedules.csv) differs from the stored one, or whose
-- schedule is still the generated one: only these are replaced (re-import changes nothing).
CREATE TEMP TABLE _imp_sched_changed ON COMMIT DROP AS
WITH new AS (
    SELECT loan_id, installment_no::integer AS n, due_date::date AS d,
           principal_due::numeric(18,2) AS p, coalesce(interest_due::numeric(18,2), 0) AS i,
           coalesce(fee_due::numeric(18,2), 0) AS f
    FROM _imp_schedules
), old AS (
    SELECT ps.loan_id, ps.installment_no AS n, ps.due_date AS d, ps.principal_due AS p,
           ps.interest_due AS i, ps.fee_due AS f
    FROM payment_schedules ps
    WHERE ps.loan_id IN (SELECT loan_id FROM new)
), differs AS (
    SELECT DISTINCT coalesce(new.loan_id, old.loan_id) AS loan_id
    FROM new FULL JOIN old ON old.loan_id = new.loan_id AND old.n = new.n
    WHERE (new.d, new.p, new.i, new.f) IS DISTINCT FROM (old.d, old.p, old.i, old.f)
)
SELECT l.loan_id, l.schedule_source = 'supplied' AS was_supplied
FROM loans l
WHERE l.loan_id IN (SELECT loan_id FROM new)
  AND (l.schedule_source <> 'supplied' OR l.loan_id IN (SELECT loan_id FROM differs))
