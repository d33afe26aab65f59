-- AstroFinance schema, revision 0014: the scheduler's runs (issue 7; ops/scheduler.py).
--   * job_runs: one row per attempt of a scheduled job: the job, the time it was scheduled
--     for (cron, business time zone), the attempt (1, then each retry after its backoff),
--     the outcome and what the job reported, and which runner (host, pid) ran it.
-- The unique key (job, scheduled_for, attempt) makes an attempt start once, whatever two
-- runners do; the advisory lock already lets only one runner work at a time.

CREATE TABLE job_runs (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job              text NOT NULL CHECK (job ~ '^[a-z][a-z0-9-]{0,39}$'),
    scheduled_for    timestamptz NOT NULL,
    attempt          integer NOT NULL DEFAULT 1 CHECK (attempt >= 1),
    status           text NOT NULL DEFAULT 'running'
                       CHECK (status IN ('running', 'succeeded', 'failed', 'retrying',
                                         'skipped')),
    started_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at      timestamptz,
    next_attempt_at  timestamptz,
    error            text,
    detail           jsonb,
    host             text NOT NULL,
    pid              integer NOT NULL,
    CONSTRAINT job_runs_once UNIQUE (job, scheduled_for, attempt),
    CHECK ((status = 'running') = (finished_at IS NULL)),
    CHECK ((status = 'retrying') = (next_attempt_at IS NOT NULL)),
    CHECK (status NOT IN ('failed', 'retrying') OR error IS NOT NULL)
);
-- the latest run of each job (the scheduler's "has this time run?", the Jobs tab)
CREATE INDEX job_runs_latest_idx ON job_runs (job, scheduled_for DESC, attempt DESC);
-- the recent runs of all jobs, newest first
CREATE INDEX job_runs_started_idx ON job_runs (started_at DESC, id DESC);
