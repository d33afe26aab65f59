-- A job's latest attempt (the latest scheduled time, its highest attempt).
SELECT id, scheduled_for, attempt, status, next_attempt_at
FROM job_runs
WHERE job = :job
ORDER BY scheduled_for DESC, attempt DESC
LIMIT 1
