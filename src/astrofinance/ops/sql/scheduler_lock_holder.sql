-- Who holds the scheduler's advisory lock (pg_try_advisory_lock(hashtext(lock)): a bigint
-- key, shown in pg_locks as classid = high 32 bits, objid = low 32 bits, objsubid = 1).
SELECT coalesce(nullif(a.application_name, ''), 'pid ' || a.pid)
       || ' since ' || to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS TZ')
FROM pg_locks l
JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtext(:lock)::bigint
LIMIT 1
