-- Operators' views (shared/spec/interfaces.md: fixed names), callable from psql.
--   vw_overdue_loans                   overdue installments with the customer's contact
--   vw_daily_transactions              per day and transaction type: count and amount
--   refresh_monthly_financial_summary() refreshes mvw_monthly_financial_summary (0006 schema)

-- One row per overdue installment of the loans on the books as of business_today().
-- The metrics engine's allocation: repayments fill installments oldest first, so with R the
-- loan's non-reversed repayments dated up to today and C_i = a_1 + ... + a_i (cumulative_due),
-- installment i is unpaid by min(a_i, C_i - R) when C_i > R. It is overdue when also due
-- before today (an installment due today is not past due), by today - due_date days.
-- R is loan_state.repaid_total when that is current (the loan is not waiting in stale_loans
-- and has no repayment dated after today), else summed from repayments.
CREATE OR REPLACE VIEW vw_overdue_loans AS
WITH today AS (SELECT business_today() AS day)
SELECT l.loan_id, l.customer_id, c.name AS customer_name, c.phone AS customer_phone,
       l.officer_id, o.name AS officer_name, o.phone AS officer_phone, l.branch, l.status,
       s.installment_no, s.due_date, s.amount_due,
       least(s.amount_due, s.cumulative_due - r.repaid)::numeric(18,2) AS amount_unpaid,
       (t.day - s.due_date) AS days_overdue
FROM today t
JOIN loans l
  ON loan_on_books(l.status, l.disbursement_date, l.closed_on, l.written_off_on, t.day)
LEFT JOIN loan_state st ON st.loan_id = l.loan_id
CROSS JOIN LATERAL (
    SELECT CASE WHEN st.loan_id IS NOT NULL
                     AND coalesce(st.last_repayment_date <= t.day, true)
                     AND NOT EXISTS (SELECT 1 FROM stale_loans x WHERE x.loan_id = l.loan_id)
                THEN st.repaid_total
                ELSE (SELECT coalesce(sum(p.payment_amount), 0) FROM repayments p
                      WHERE p.loan_id = l.loan_id AND NOT p.is_reversed
                        AND p.payment_date <= t.day) END AS repaid
) r
JOIN payment_schedules s
  ON s.loan_id = l.loan_id AND s.due_date < t.day AND s.cumulative_due > r.repaid
LEFT JOIN customers c ON c.customer_id = l.customer_id
LEFT JOIN officers o ON o.officer_id = l.officer_id;

-- Per day, transaction type and source: how many transactions and their total amount.
-- source 'ledger': the loan book's transactions (vw_transactions: disbursement, repayment,
-- reversal, fee_charge, penalty_charge, write_off; a repayment reversed later still counts on
-- its day, its reversal counts on the reversal's day). source 'external': the loans from other
-- systems (no loan_accounts row), whose money is only in loans and repayments: their
-- disbursements and their non-reversed repayments. No money is counted twice: a ledger loan's
-- repayment is in vw_transactions only.
CREATE OR REPLACE VIEW vw_daily_transactions AS
SELECT x.txn_date AS transaction_date, x.txn_type AS transaction_type, x.source,
       count(*) AS transaction_count, sum(x.amount)::numeric(18,2) AS total_amount,
       count(DISTINCT x.loan_id) AS loans
FROM (
    SELECT t.txn_date, t.txn_type, 'ledger' AS source, t.amount, t.loan_id
    FROM vw_transactions t
    UNION ALL
    SELECT r.payment_date, 'repayment', 'external', r.payment_amount, r.loan_id
    FROM repayments r
    WHERE NOT r.is_reversed
      AND NOT EXISTS (SELECT 1 FROM loan_accounts a WHERE a.loan_id = r.loan_id)
    UNION ALL
    SELECT l.disbursement_date, 'disbursement', 'external', l.loan_amount, l.loan_id
    FROM loans l
    WHERE l.status NOT IN ('Pending', 'Cancelled')
      AND NOT EXISTS (SELECT 1 FROM loan_accounts a WHERE a.loan_id = l.loan_id)
) x
GROUP BY x.txn_date, x.txn_type, x.source;

-- Recompute the monthly summary (readers keep the previous rows meanwhile: CONCURRENTLY).
CREATE OR REPLACE FUNCTION refresh_monthly_financial_summary()
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    REFRESH MATERIALIZED VIEW CONCURRENTLY mvw_monthly_financial_summary;
END $$;
