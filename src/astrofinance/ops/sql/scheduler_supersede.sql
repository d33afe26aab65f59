-- A newer scheduled time is due: a retry still waiting for an older one is dropped.
UPDATE job_runs
SET status = 'failed', next_attempt_at = NULL,
    error = error || ' (not retried: the run scheduled for ' || :due || ' replaces it)'
WHERE job = :job AND status = 'retrying' AND scheduled_for < :due
