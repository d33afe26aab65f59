-- /metrics: the recalculation runs (recalculation_runs): how many, their total time, and the
-- newest one's duration, loans processed and age.
SELECT count(*)::bigint AS runs,
       coalesce(sum(execution_time_ms), 0)::bigint AS total_ms,
       (array_agg(execution_time_ms ORDER BY id DESC))[1] AS last_ms,
       (array_agg(total_loans_processed ORDER BY id DESC))[1] AS last_loans,
       extract(epoch FROM now() - max(started_at))::float8 AS last_age
FROM recalculation_runs
