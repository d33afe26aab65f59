-- The unscheduled loans (loans_unscheduled.sql) in id order, cut into chunks of %(size)s loans:
-- (first id, last id, loans) per chunk. A chunk is a range of ids, so the connections that
-- generate the chunks need no list from this one.
SELECT min(c.loan_id), max(c.loan_id), count(*)
FROM (SELECT u.loan_id, (row_number() OVER (ORDER BY u.loan_id) - 1) / %(size)s AS chunk
      FROM ({unscheduled}) u) c
GROUP BY c.chunk
ORDER BY c.chunk
