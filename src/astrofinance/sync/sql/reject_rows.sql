-- Take the rejected rows out of a staging table, keeping each one's data with its problems.
WITH gone AS (
    DELETE FROM {staging} s
    USING (SELECT DISTINCT line FROM _imp_problems WHERE file = %(file)s) p
    WHERE s.line = p.line
    RETURNING s.*
)
UPDATE _imp_problems p
SET row_data = jsonb_strip_nulls(to_jsonb(g) - 'line')
FROM gone g
WHERE p.file = %(file)s AND p.line = g.line AND p.row_data IS NULL
