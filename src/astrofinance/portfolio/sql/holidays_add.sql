-- Add or rename a company-wide holiday by hand (source 'manual', never estimated).
-- A row the package seeded on that date becomes a manual one (later seeds leave it alone).
INSERT INTO holidays (holiday_date, name, estimated, source)
VALUES (:day, :name, false, 'manual')
ON CONFLICT (holiday_date) WHERE officer_id IS NULL DO UPDATE
    SET name = EXCLUDED.name, estimated = false, source = 'manual', updated_at = now()
RETURNING (xmax = 0) AS inserted
