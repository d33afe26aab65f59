-- The date of the stored computed fields (loans.fields_as_of, set by
-- recalculate_all_loan_fields) and how many loans that should have fields as of it do not
-- (the rule: loan_fields_stored_state(), metrics/sql/functions_risk.sql, which calculate_par
-- uses too). Such a book cannot be read from the stored columns.
SELECT s.as_of, s.missing FROM loan_fields_stored_state() s
