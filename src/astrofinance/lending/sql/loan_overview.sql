-- One loan: live balances (vw_loan_summary) and, for loans booked here, product and lifecycle.
SELECT s.*, l.wave, l.branch, la.product_code, la.interest_method, la.annual_rate,
       la.fee_timing, la.fee_total, la.allocation_order, la.created_by, la.created_at,
       la.approved_by, la.approved_at, la.rejected_by, la.rejected_at, la.cancelled_by,
       la.cancelled_at, la.close_reason, la.disbursed_by, la.disbursed_at,
       la.written_off_by, la.written_off_at, la.defaulted_by, la.defaulted_at,
       la.loan_id IS NOT NULL AS booked_here, l.source_system
FROM vw_loan_summary s
JOIN loans l USING (loan_id)
LEFT JOIN loan_accounts la USING (loan_id)
WHERE s.loan_id = :l
