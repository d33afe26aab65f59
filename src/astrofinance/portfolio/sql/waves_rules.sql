-- The wave rules in the order they are tried (the first active rule by priority whose
-- conditions all hold gives a loan its wave; see loan_wave() in functions_waves.sql).
SELECT r.id, r.priority, r.wave, r.officer_hired_on_or_after, r.disbursed_on_or_after,
       r.active, r.description
FROM wave_rules r
ORDER BY r.priority, r.id
