-- AstroFinance schema, revision 0002: sync from the lender's system of record.

-- Customers: the source's personal details (the reference source's ajo_ajouser has them).
ALTER TABLE customers
    ADD COLUMN dob      date,
    ADD COLUMN gender   text,
    ADD COLUMN lga      text,
    ADD COLUMN address  text;

-- One row per sync command run: what it read and wrote per entity, and where it got to.
-- `cursors` holds, per entity, the last source key committed by a full run (a re-run resumes
-- after it) and the watermark taken when the entity started; it is written in the same
-- transaction as each batch, so it never runs ahead of the data.
CREATE TABLE sync_runs (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    command       text NOT NULL,
    source        text NOT NULL,            -- the source's URL without its password, or a path
    mapping       text,
    status        text NOT NULL DEFAULT 'running'
                    CHECK (status IN ('running', 'succeeded', 'partial', 'failed', 'interrupted')),
    started_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at   timestamptz,
    duration_ms   bigint,
    counts        jsonb NOT NULL DEFAULT '{}'::jsonb,  -- entity -> read/inserted/updated/...
    cursors       jsonb NOT NULL DEFAULT '{}'::jsonb,
    errors        text,
    resumed_from  bigint REFERENCES sync_runs (id) ON DELETE SET NULL,
    pid           integer
);
CREATE INDEX sync_runs_started_idx ON sync_runs (started_at DESC);

-- Source rows that could not be taken, with every reason: the rows a sync did not write. A
-- row leaves the quarantine when a later sync takes it.
CREATE TABLE sync_quarantine (
    entity         text NOT NULL,
    source_key     text NOT NULL,
    reason         text NOT NULL,
    row_data       jsonb,
    first_run_id   bigint REFERENCES sync_runs (id) ON DELETE SET NULL,
    last_run_id    bigint REFERENCES sync_runs (id) ON DELETE SET NULL,
    first_seen_at  timestamptz NOT NULL DEFAULT now(),
    last_seen_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (entity, source_key)
);
