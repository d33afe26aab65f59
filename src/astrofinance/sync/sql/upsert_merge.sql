-- Insert the staged rows whose id is new and update those whose values differ, in one pass
-- (a table whose id is a unique index). Unchanged rows are not written, so their updated_at
-- stays and re-importing changes nothing. Inserted in an order that keeps the table's indexes
-- and foreign-key checks local. (inserted, updated): xmax is 0 only on a row just inserted.
WITH w AS (
    INSERT INTO {table} AS t ({columns})
    SELECT {columns_n}
    FROM (SELECT {values} FROM {staging} s) AS n
    ORDER BY {order}
    ON CONFLICT ({keys}) DO UPDATE
    SET {assignments}, updated_at = now()
    WHERE ({compare_old}) IS DISTINCT FROM ({compare_new})
    RETURNING (t.xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM w
