-- /metrics: seconds since each entity was last synced (sync_tracking.last_sync_at is written
-- when a sync or an import wrote the entity).
SELECT entity, extract(epoch FROM now() - last_sync_at)::float8 AS lag_seconds
FROM sync_tracking
WHERE last_sync_at IS NOT NULL
ORDER BY entity
