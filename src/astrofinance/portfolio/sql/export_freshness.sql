-- For the export's loans: how many were never recalculated, and the as-of dates present.
SELECT count(*) FILTER (WHERE b.fields_as_of IS NULL) AS without_fields,
       array_agg(DISTINCT b.fields_as_of ORDER BY b.fields_as_of)
           FILTER (WHERE b.fields_as_of IS NOT NULL) AS as_of_dates
FROM loans b
WHERE {where}
