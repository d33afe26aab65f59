-- Scratch table for the fields computed as of a date other than the stored one: the loans
-- columns' own types and collations (so the join to loans compares like with like).
CREATE TEMP TABLE _pf_fields AS
SELECT loan_id, principal_outstanding, current_dpd, overdue_amount, fimr_eligible, fimr_tagged,
       early_indicator_tagged, written_off_principal
FROM loans
WITH NO DATA
