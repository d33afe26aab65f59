-- Store good values in their normal form ('ACTIVE' -> 'Active', 'yes' -> 'true', ' 12.5' ->
-- '12.5'); only the rows holding such a value are touched.
UPDATE {staging} s SET {column} = m.stored
FROM unnest(%(values)s::text[], %(stored)s::text[]) AS m(value, stored)
WHERE coalesce(s.{column}, '') = m.value
