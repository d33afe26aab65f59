-- Start an attempt; nothing (no id) when this attempt was already started (by any runner).
INSERT INTO job_runs (job, scheduled_for, attempt, host, pid)
VALUES (:job, :at, :attempt, :host, :pid)
ON CONFLICT ON CONSTRAINT job_runs_once DO NOTHING
RETURNING id
