-- The date of the stored computed fields (loans.fields_as_of, set by
-- recalculate_all_loan_fields) and how many loans that should have fields as of it do not:
-- disbursed by then, not Pending or Cancelled, and computed as of another date or never
-- (added after the last recalculation). Such a book cannot be read from the stored columns.
WITH stored AS (SELECT max(fields_as_of) AS as_of FROM loans)
SELECT s.as_of,
       (SELECT count(*) FROM loans l
        WHERE l.status NOT IN ('Pending', 'Cancelled')
          AND l.disbursement_date <= coalesce(s.as_of, 'infinity'::date)
          AND (s.as_of IS NULL OR l.fields_as_of IS DISTINCT FROM s.as_of)) AS missing
FROM stored s
