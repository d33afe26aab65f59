-- An attempt's outcome: succeeded, skipped (error: the reason), retrying (at :retry_at)
-- or failed.
UPDATE job_runs
SET status = :status, finished_at = clock_timestamp(), error = :error,
    detail = CAST(:detail AS jsonb), next_attempt_at = :retry_at
WHERE id = :id
