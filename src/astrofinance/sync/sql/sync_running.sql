-- The run in progress: the latest 'running' run while some session holds the sync's advisory
-- lock (runner.py: pg_try_advisory_lock(hashtext(:lock)); pg_locks shows a bigint key as its
-- high and low 32 bits). A run left 'running' without the lock was killed.
SELECT r.id, r.command, r.started_at, r.pid, r.counts
FROM sync_runs r
WHERE r.status = 'running'
  AND EXISTS (
      SELECT 1 FROM pg_locks k
      WHERE k.locktype = 'advisory' AND k.granted AND k.objsubid = 1
        AND k.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND ((k.classid::bigint << 32) | k.objid::bigint) = hashtext(:lock)::bigint)
ORDER BY r.id DESC
LIMIT 1
