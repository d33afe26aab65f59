-- Index usage of the maintenance report: size and scans since the statistics were reset; an
-- index never scanned (and not backing a constraint) is a candidate to drop.
SELECT s.relname AS table_name, s.indexrelname AS index_name,
       pg_relation_size(s.indexrelid) AS bytes, s.idx_scan AS scans,
       EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = s.indexrelid) AS constraint_index
FROM pg_stat_user_indexes s
WHERE s.schemaname = 'public'
ORDER BY s.idx_scan, pg_relation_size(s.indexrelid) DESC, s.indexrelname
