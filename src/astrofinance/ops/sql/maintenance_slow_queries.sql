-- The slowest statements by mean time, from pg_stat_statements (queried only when the
-- extension is installed in this database).
SELECT left(regexp_replace(query, '\s+', ' ', 'g'), 200) AS query, calls,
       round(mean_exec_time::numeric, 1) AS mean_ms, round(total_exec_time::numeric) AS total_ms
FROM pg_stat_statements
WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
ORDER BY mean_exec_time DESC
LIMIT :limit
