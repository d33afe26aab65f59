-- A reference must name a row of the parent file (one not rejected) or of the parent table.
-- Set-based: an anti-join against the parent's staging table and the database.
INSERT INTO _imp_problems (file, line, column_name, value, reason, key)
SELECT %(file)s, s.line, %(column)s, s.{column},
       CASE WHEN r.line IS NULL
            THEN 'unknown ' || %(column)s || ': not in ' || %(parent_file)s
                 || ' nor in the database'
            ELSE %(column)s || ' ' || s.{column} || ' was rejected ('
                 || %(parent_file)s || ' line ' || r.line || ')' END,
       s.{key}
FROM (SELECT * FROM {staging} x
      WHERE x.{column} IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM {parent_staging} p WHERE p.{parent_key} = x.{column})
        AND NOT EXISTS (SELECT 1 FROM {parent_table} t WHERE t.{parent_key} = x.{column})) s
LEFT JOIN (SELECT key, min(line) AS line FROM _imp_problems
           WHERE file = %(parent_file)s GROUP BY key) r ON r.key = s.{column}
