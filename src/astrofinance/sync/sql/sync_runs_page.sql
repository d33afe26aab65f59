-- Sync runs, newest first, with their counts summed over entities; :limit NULL means all (CSV).
SELECT r.id, r.command, r.status, r.started_at, r.finished_at, r.duration_ms, r.source,
       r.mapping, r.resumed_from,
       coalesce(t.read, 0) AS read, coalesce(t.written, 0) AS written,
       coalesce(t.rejected, 0) AS rejected, r.errors
FROM sync_runs r
CROSS JOIN LATERAL (
    SELECT sum((c.value ->> 'read')::bigint)::bigint AS read,
           sum((c.value ->> 'inserted')::bigint
               + (c.value ->> 'updated')::bigint)::bigint AS written,
           sum((c.value ->> 'rejected')::bigint)::bigint AS rejected
    FROM jsonb_each(r.counts) c) t
ORDER BY r.id DESC
LIMIT :limit OFFSET :offset
