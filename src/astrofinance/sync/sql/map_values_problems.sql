-- A mapping's value table for one column (e.g. the source's loan statuses): values in the
-- table (compared trimmed, upper case) are replaced by their canonical value; any other
-- non-empty value is a problem of its row, naming the values the mapping knows.
INSERT INTO _imp_problems (file, line, column_name, value, reason, key)
SELECT %(file)s, s.line, %(column)s, s.{column},
       'not in the mapping''s table of ' || %(column)s || ' values (' || %(known)s || ')',
       s.{key}
FROM {staging} s
WHERE btrim(s.{column}) <> ''
  AND upper(btrim(s.{column})) <> ALL (%(from)s::text[])
