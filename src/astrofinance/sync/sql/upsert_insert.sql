-- Insert the staged rows whose id the table does not have yet (an anti-join), in an order
-- that keeps the table's indexes and foreign-key checks local.
INSERT INTO {table} ({columns})
SELECT {columns_n}
FROM (SELECT {values} FROM {staging} s) AS n
WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {match})
ORDER BY {order}
