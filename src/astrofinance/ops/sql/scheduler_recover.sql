-- Attempts a runner left 'running' when it died (only the lock holder calls this, so no
-- live runner has one): retried after the backoff like a failure, or failed at the last.
UPDATE job_runs
SET finished_at = clock_timestamp(),
    error = 'the runner (' || host || ', pid ' || pid || ') stopped before the job finished',
    status = CASE WHEN attempt < :max THEN 'retrying' ELSE 'failed' END,
    next_attempt_at = CASE WHEN attempt < :max
                           THEN CAST(:now AS timestamptz)
                                + make_interval(secs => :base * power(:factor, attempt - 1))
                      END
WHERE status = 'running'
