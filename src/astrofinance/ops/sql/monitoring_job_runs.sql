-- /metrics: scheduled jobs' attempts (job_runs) by job and outcome, and the age of each job's
-- newest successful attempt (NULL when it never succeeded).
SELECT job, status, count(*)::bigint AS runs,
       extract(epoch FROM now() - max(coalesce(finished_at, started_at))
                                  FILTER (WHERE status = 'succeeded'))::float8 AS success_age
FROM job_runs
GROUP BY job, status
ORDER BY job, status
