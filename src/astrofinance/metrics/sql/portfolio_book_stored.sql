-- The relation every portfolio query reads: each loan's dimensions with its computed fields,
-- here the fields stored in loans (as of loans.fields_as_of). portfolio_book_computed.sql
-- defines the same columns over fields computed as of another date.
CREATE OR REPLACE TEMP VIEW _pf_book AS
SELECT l.loan_id, l.status, l.disbursement_date, l.closed_on, l.written_off_on, l.loan_amount,
       l.officer_id, l.branch, l.region, l.supervisor_email, l.vertical_lead_email, l.wave,
       l.product,
       l.principal_outstanding, l.current_dpd, l.overdue_amount, l.fimr_eligible,
       l.fimr_tagged, l.early_indicator_tagged, l.written_off_principal
FROM loans l
