-- The import's problems in file order, then line order (the report).
SELECT file, line, column_name AS column, value, reason
FROM _imp_problems
ORDER BY array_position(%(files)s::text[], file), line, column_name
