-- Keep the rejected rows of a --skip-invalid import with its run.
INSERT INTO import_rejects (import_id, file, line, column_name, value, reason, row_data)
SELECT %(run_id)s, file, line, column_name, value, reason, row_data
FROM _imp_problems
ORDER BY array_position(%(files)s::text[], file), line, column_name
