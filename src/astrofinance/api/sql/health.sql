-- What /api/v1/health reports beside the schema version: the last sync, the last
-- recalculation, and the date the stored fields are as of.
SELECT (SELECT max(last_sync_at) FROM sync_tracking) AS last_sync_at,
       (SELECT json_build_object('command', command, 'status', status,
                                 'started_at', started_at, 'finished_at', finished_at)
        FROM sync_runs ORDER BY started_at DESC LIMIT 1) AS last_sync_run,
       (SELECT json_build_object('as_of', as_of, 'started_at', started_at,
                                 'loans_updated', loans_updated,
                                 'execution_time_ms', execution_time_ms)
        FROM recalculation_runs ORDER BY started_at DESC LIMIT 1) AS last_recalculation
