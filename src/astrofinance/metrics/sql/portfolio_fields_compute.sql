-- Fill _pf_fields with the fields as of :as_of (the per-loan engine's one implementation),
-- for the loans the queries can use: every loan (:all_loans), or the filtered loans disbursed
-- by then, and when :on_books_only only those on the books then.
INSERT INTO _pf_fields (loan_id, principal_outstanding, current_dpd, overdue_amount,
                        fimr_eligible, fimr_tagged, early_indicator_tagged, written_off_principal)
SELECT f.loan_id, f.principal_outstanding, f.current_dpd, f.overdue_amount, f.fimr_eligible,
       f.fimr_tagged, f.early_indicator_tagged, f.written_off_principal
FROM compute_loan_fields(
    CAST(:as_of AS date),
    CASE WHEN :all_loans THEN NULL ELSE ARRAY(
        SELECT b.loan_id FROM loans b
        WHERE b.disbursement_date <= :as_of AND b.status NOT IN ('Pending', 'Cancelled')
          AND (NOT :on_books_only OR ({on_books}))
          {filters}) END) f
