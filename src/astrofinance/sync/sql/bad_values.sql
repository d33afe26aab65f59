-- Rows holding a value found bad (NULL is matched as the empty value).
INSERT INTO _imp_problems (file, line, column_name, value, reason, key)
SELECT %(file)s, s.line, %(column)s, s.{column}, b.reason, s.{key}
FROM {staging} s
JOIN unnest(%(values)s::text[], %(reasons)s::text[]) AS b(value, reason)
  ON coalesce(s.{column}, '') = b.value
