-- Source loans (staged in _src_status) whose status here differs from their mapped status,
-- or that are not here at all. The mapping's value table maps source statuses (compared
-- trimmed, upper case); without one, the source value is compared as it is.
SELECT s.loan_id, s.status, s.expected, l.status
FROM (SELECT x.loan_id, x.status,
             CASE WHEN %(mapped)s THEN m.canonical ELSE x.status END AS expected
      FROM _src_status x
      LEFT JOIN unnest(%(from)s::text[], %(to)s::text[]) AS m(source_value, canonical)
        ON m.source_value = upper(btrim(x.status))) s
LEFT JOIN loans l ON l.loan_id = s.loan_id
WHERE l.status IS DISTINCT FROM s.expected
ORDER BY length(s.loan_id), s.loan_id
