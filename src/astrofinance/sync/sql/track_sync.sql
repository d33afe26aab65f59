-- One sync_tracking row per table the import wrote, with when and how many rows.
INSERT INTO sync_tracking AS t (entity, last_sync_at, rows_synced, last_status, updated_at)
SELECT e.entity, now(), e.written, %(status)s, now()
FROM unnest(%(entities)s::text[], %(written)s::bigint[]) AS e(entity, written)
ON CONFLICT (entity) DO UPDATE
SET last_sync_at = now(), rows_synced = t.rows_synced + EXCLUDED.rows_synced,
    last_status = EXCLUDED.last_status, updated_at = now()
