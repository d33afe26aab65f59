-- /metrics: sync runs by command and outcome, and the age of each command's newest successful
-- run (NULL when it never succeeded).
SELECT command, status, count(*)::bigint AS runs,
       extract(epoch FROM now() - max(coalesce(finished_at, started_at))
                                  FILTER (WHERE status = 'succeeded'))::float8 AS success_age
FROM sync_runs
GROUP BY command, status
ORDER BY command, status
