-- One row when no sync has ever run or the newest sync_tracking.last_sync_at is older than
-- :max_age_hours (saying when the newest sync was); none when the data is fresh.
SELECT CASE WHEN at IS NULL THEN 'no sync has ever run'
            ELSE 'newest sync at ' || to_char(at, 'YYYY-MM-DD HH24:MI:SS TZ') || ' ('
                 || round(CAST(extract(epoch FROM now() - at) / 3600 AS numeric), 1)
                 || ' h ago)'
       END AS id
FROM (SELECT max(last_sync_at) AS at FROM sync_tracking) newest
WHERE at IS NULL OR at < now() - CAST(:max_age_hours AS double precision) * interval '1 hour'
