-- Update the rows of a table whose staged values differ (set-based: one join). Unchanged rows
-- are not touched at all, so their updated_at stays and re-importing a bundle changes nothing.
UPDATE {table} AS t
SET {assignments}, updated_at = now()
FROM (SELECT {values} FROM {staging} s) AS n
WHERE {match}
  AND ({compare_old}) IS DISTINCT FROM ({compare_new})
