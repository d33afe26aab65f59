-- The latest attempts, of one job (:job) or all (NULL), newest first.
SELECT id, job, scheduled_for, attempt, status, started_at, finished_at, next_attempt_at,
       error, detail, host, pid,
       round(extract(epoch FROM finished_at - started_at)::numeric, 1) AS seconds
FROM job_runs
WHERE CAST(:job AS text) IS NULL OR job = :job
ORDER BY started_at DESC, id DESC
LIMIT :limit
