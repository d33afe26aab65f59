-- The latest import runs with the rows they read and rejected (from their counts).
SELECT r.id, r.started_at, r.status, r.source,
       coalesce((SELECT sum((c.value ->> 'read')::bigint) FROM jsonb_each(r.counts) c), 0) AS read,
       coalesce((SELECT sum((c.value ->> 'rejected')::bigint) FROM jsonb_each(r.counts) c), 0)
           AS rejected
FROM import_runs r
ORDER BY r.id DESC
LIMIT :limit
