-- One sync run with its counts per entity (the source is stored without its password).
SELECT id, command, status, source, mapping, started_at, finished_at, duration_ms, counts,
       errors, resumed_from
FROM sync_runs
WHERE id = :id
