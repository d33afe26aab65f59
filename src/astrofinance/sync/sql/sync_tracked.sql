-- An entity was synced: when, how many rows it wrote (running total), by which run.
INSERT INTO sync_tracking AS t (entity, last_sync_at, rows_synced, last_status, updated_at)
VALUES (%(entity)s, now(), %(written)s, %(status)s, now())
ON CONFLICT (entity) DO UPDATE
SET last_sync_at = now(), rows_synced = t.rows_synced + EXCLUDED.rows_synced,
    last_status = EXCLUDED.last_status, updated_at = now()
