-- Upsert company-wide holidays from the `holidays` package, by date, in ONE statement (the
-- statement-level triggers rebuild the business calendar and the affected schedules once).
-- Only rows the package itself wrote are updated: manual (or imported) rows are kept.
-- Returns one row per inserted or changed holiday; `inserted` tells which.
INSERT INTO holidays (holiday_date, name, estimated, source)
SELECT u.d, u.n, u.e, :source
FROM unnest(CAST(:dates AS date[]), CAST(:names AS text[]), CAST(:estimated AS boolean[]))
     AS u(d, n, e)
ON CONFLICT (holiday_date) WHERE officer_id IS NULL DO UPDATE
    SET name = EXCLUDED.name, estimated = EXCLUDED.estimated, updated_at = now()
    WHERE holidays.source = EXCLUDED.source
      AND (holidays.name, holidays.estimated)
          IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.estimated)
RETURNING (xmax = 0) AS inserted
