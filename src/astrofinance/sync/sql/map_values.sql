-- A mapping's value table for one column: values in the table (compared trimmed, upper
-- case) are replaced by their canonical value (map_values_problems.sql reports the others).
UPDATE {staging} s
SET {column} = m.canonical
FROM unnest(%(from)s::text[], %(to)s::text[]) AS m(source_value, canonical)
WHERE upper(btrim(s.{column})) = m.source_value
