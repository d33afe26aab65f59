-- One officer's loans on the books, riskiest first (GET /api/v1/officers/{id}/top-risk-loans):
-- by current_dpd, then principal outstanding. The stored fields (as of loans.fields_as_of);
-- on the books as of that date (loan_on_books; today for a loan not computed yet).
-- Limited to the caller's scope (auth/scope.py), an AND clause with a bound parameter.
SELECT b.loan_id, b.customer_id, c.name AS customer_name, b.status, b.current_dpd,
       b.principal_outstanding, b.total_outstanding, b.actual_outstanding, b.fimr_tagged,
       b.early_indicator_tagged, b.repayment_health, b.days_since_last_repayment,
       b.fields_as_of AS as_of
FROM loans b
LEFT JOIN customers c ON c.customer_id = b.customer_id
WHERE b.officer_id = :officer_id{scope}
  AND loan_on_books(b.status, b.disbursement_date, b.closed_on, b.written_off_on,
                    coalesce(b.fields_as_of, :today))
ORDER BY b.current_dpd DESC NULLS LAST, b.principal_outstanding DESC NULLS LAST, b.loan_id
LIMIT :limit
