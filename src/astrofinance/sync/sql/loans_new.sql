-- Before the loans upsert: the bundle's loans that are new. Their generated schedules are built
-- after the upsert (loans_generate.sql). A loan whose terms change needs nothing here: the
-- trigger trg_loans_terms_changed regenerates its generated schedule on the UPDATE itself.
CREATE TEMP TABLE _imp_regen ON COMMIT DROP AS
SELECT s.loan_id
FROM _imp_loans s
WHERE NOT EXISTS (SELECT 1 FROM loans l WHERE l.loan_id = s.loan_id)
