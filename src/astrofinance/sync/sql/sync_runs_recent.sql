-- The latest sync runs, with their counts summed over entities.
SELECT r.id, r.command, r.status, r.started_at, r.duration_ms, r.errors,
       coalesce(sum((c.value ->> 'read')::bigint), 0) AS read,
       coalesce(sum((c.value ->> 'inserted')::bigint + (c.value ->> 'updated')::bigint), 0)
           AS written,
       coalesce(sum((c.value ->> 'rejected')::bigint), 0) AS rejected
FROM sync_runs r
LEFT JOIN LATERAL jsonb_each(r.counts) c ON true
GROUP BY r.id
ORDER BY r.id DESC
LIMIT :limit
