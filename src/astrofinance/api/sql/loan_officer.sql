-- A loan's officer (the scope check of the loan-book routes).
SELECT officer_id FROM loans WHERE loan_id = :loan_id
