-- Constraints to drop for the bulk load and re-create after it: every foreign key on or
-- referencing the bulk tables, and the primary and unique keys of the key tables (which no
-- foreign key references). Foreign keys come first (dropped first, re-created last).
SELECT c.conrelid::regclass::text AS table_name, c.conname, pg_get_constraintdef(c.oid),
       c.contype = 'f' AS is_foreign_key
FROM pg_constraint c
WHERE (c.contype = 'f' AND (c.conrelid::regclass::text = ANY (%(tables)s)
                            OR c.confrelid::regclass::text = ANY (%(tables)s)))
   OR (c.contype IN ('p', 'u') AND c.conrelid::regclass::text = ANY (%(key_tables)s))
ORDER BY is_foreign_key DESC, c.conname;
