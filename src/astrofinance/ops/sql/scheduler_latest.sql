-- Each job's latest attempt (the Jobs tab, `scheduler --list`).
SELECT DISTINCT ON (job) job, scheduled_for, attempt, status, started_at, finished_at,
       next_attempt_at, error
FROM job_runs
ORDER BY job, scheduled_for DESC, attempt DESC
