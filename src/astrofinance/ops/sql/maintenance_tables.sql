-- Table statistics of the maintenance report: size (with indexes and TOAST), live and dead
-- rows, and when each was last vacuumed and analyzed (by hand or by autovacuum).
SELECT s.relname AS table_name,
       pg_total_relation_size(s.relid) AS total_bytes,
       pg_relation_size(s.relid) AS table_bytes,
       s.n_live_tup AS live_rows,
       s.n_dead_tup AS dead_rows,
       greatest(s.last_vacuum, s.last_autovacuum) AS last_vacuum,
       greatest(s.last_analyze, s.last_autoanalyze) AS last_analyze
FROM pg_stat_user_tables s
WHERE s.schemaname = 'public'
ORDER BY pg_total_relation_size(s.relid) DESC, s.relname
