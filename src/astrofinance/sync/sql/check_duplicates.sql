-- Rows repeating an earlier row's unique columns: every later occurrence is rejected.
INSERT INTO _imp_problems (file, line, column_name, value, reason, key)
SELECT %(file)s, s.line, %(column)s, s.{column},
       'duplicate ' || %(what)s || ' (first on line ' || d.first_line || ')', s.{key}
FROM {staging} s
JOIN (SELECT {unique}, min(line) AS first_line
      FROM {staging}
      GROUP BY {unique}
      HAVING count(*) > 1) d USING ({unique})
WHERE s.line > d.first_line
