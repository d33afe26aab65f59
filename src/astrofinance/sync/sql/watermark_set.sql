-- Move an entity's watermark (the last (changed, key) position synced) forward, never back:
-- an incremental run reads from it, less the overlap, so it may re-read rows already taken.
INSERT INTO sync_tracking AS t (entity, watermark_at, watermark_id, updated_at)
VALUES (%(entity)s, %(at)s::timestamptz, %(key)s, now())
ON CONFLICT (entity) DO UPDATE
SET watermark_at = greatest(t.watermark_at, EXCLUDED.watermark_at),
    watermark_id = CASE WHEN t.watermark_at IS NULL OR EXCLUDED.watermark_at >= t.watermark_at
                        THEN EXCLUDED.watermark_id ELSE t.watermark_id END,
    updated_at = now()
