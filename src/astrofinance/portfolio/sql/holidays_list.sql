-- Holidays between two dates (either bound may be NULL), company-wide rows first on a date.
SELECT holiday_date, name, estimated, source, officer_id
FROM holidays
WHERE (CAST(:date_from AS date) IS NULL OR holiday_date >= :date_from)
  AND (CAST(:date_to AS date) IS NULL OR holiday_date <= :date_to)
ORDER BY holiday_date, officer_id NULLS FIRST
