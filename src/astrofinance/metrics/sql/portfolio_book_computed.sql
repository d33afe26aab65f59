-- The relation every portfolio query reads (same columns as portfolio_book_stored.sql), over
-- the fields computed into _pf_fields by compute_loan_fields(as_of).
CREATE OR REPLACE TEMP VIEW _pf_book AS
SELECT l.loan_id, l.status, l.disbursement_date, l.closed_on, l.written_off_on, l.loan_amount,
       l.officer_id, l.branch, l.region, l.supervisor_email, l.vertical_lead_email, l.wave,
       l.product,
       f.principal_outstanding, f.current_dpd, f.overdue_amount, f.fimr_eligible,
       f.fimr_tagged, f.early_indicator_tagged, f.written_off_principal
FROM loans l
LEFT JOIN _pf_fields f ON f.loan_id = l.loan_id
