-- Revision 0005, before the function files are re-run: a repayment number for payments
-- recorded here; the functions whose signature changed (per-loan refresh, allocation order).
CREATE SEQUENCE IF NOT EXISTS repayment_number_seq;
DROP FUNCTION IF EXISTS refresh_loan_state();
DROP FUNCTION IF EXISTS alloc_fee_paid(bigint, integer, bigint[], bigint[]);
DROP FUNCTION IF EXISTS alloc_interest_paid(bigint, integer, bigint[], bigint[], bigint[]);

-- Installments with the date each became fully paid (m_i), what has been paid on each and
-- its state: all non-reversed money, oldest installment first (metrics.md's allocation).
CREATE OR REPLACE VIEW vw_payment_schedules AS
SELECT s.loan_id, s.installment_no, s.due_date, s.principal_due, s.interest_due, s.fee_due,
       s.penalty_due, s.amount_due, s.cumulative_due, st.paid[s.installment_no] AS paid_on,
       p.amount_paid,
       CASE WHEN p.amount_paid >= s.amount_due THEN 'paid'
            WHEN p.amount_paid > 0 THEN 'partly_paid' ELSE 'unpaid' END AS payment_status
FROM payment_schedules s
LEFT JOIN loan_state st USING (loan_id)
CROSS JOIN LATERAL (
    SELECT least(s.amount_due, greatest(0, coalesce(st.repaid_total, 0)
                                           - (s.cumulative_due - s.amount_due)))
               ::numeric(18,2) AS amount_paid) p;
