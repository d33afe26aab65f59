-- Each synced entity: its last sync, rows written, watermark, last status, quarantined rows.
SELECT t.entity, t.last_sync_at, t.rows_synced, t.watermark_at, t.watermark_id, t.last_status,
       (SELECT count(*) FROM sync_quarantine q WHERE q.entity = t.entity) AS quarantined
FROM sync_tracking t
ORDER BY t.entity
