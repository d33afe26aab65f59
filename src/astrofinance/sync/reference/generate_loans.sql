-- Loans, with the status their repayments give them as of as_of (plan.paid is what the
-- repayment rows written by generate_repayments.sql come to):
--   paid in full                                    COMPLETED (85%) or CLOSED
--   stopped or never paid, ended 30+ days before as_of                 DEFAULTED
--   ended before as_of, not paid in full            PAST_MATURITY
--   running                                         OPEN (55%), ACTIVE (35%) or APPROVED
--   not disbursed                                   PENDING, REJECTED, DECLINED or NOT_TAKEN,
--                                                   without date_disbursed, start_date, end_date
-- performance_status: PERFORMING (a running loan at most one installment behind) or
-- OWED_BALANCE, PAST_MATURITY, LOST (defaulted), COMPLETED; NULL when not disbursed.
-- updated_at: the last change: disbursement, the nightly balance job (23:00) after the last
-- repayment, or the nightly job (01:00) that marked it past maturity (the day after end_date)
-- or defaulted (31 days after); never after as_of.
INSERT INTO loans_ajoloan (id, borrower_id, agent_id, amount, repayment_amount, interest_rate,
                           processing_fee, tenor_in_days, date_disbursed, start_date, end_date,
                           status, performance_status, loan_type, verification_stage,
                           is_disbursed, created_at, updated_at)
SELECT pl.loan_id, pl.borrower_id, pl.agent_id, pl.amount, pl.total, pl.rate, pl.fee, pl.tenor,
       CASE WHEN pl.disbursed THEN pl.app_ts END,
       CASE WHEN pl.disbursed THEN pl.start_date END,
       CASE WHEN pl.disbursed THEN pl.end_date END,
       st.status,
       CASE WHEN NOT pl.disbursed THEN NULL
            WHEN st.status IN ('COMPLETED', 'CLOSED') THEN 'COMPLETED'
            WHEN st.status = 'DEFAULTED' THEN 'LOST'
            WHEN st.status = 'PAST_MATURITY' THEN 'PAST_MATURITY'
            WHEN pl.paid >= st.due - pl.per_inst THEN 'PERFORMING'
            ELSE 'OWED_BALANCE' END,
       pl.loan_type,
       CASE WHEN pl.disbursed OR pl.app_status = 'NOT_TAKEN' THEN 'VERIFIED'
            WHEN pl.u_created < 0.4 THEN 'KYC' WHEN pl.u_created < 0.7 THEN 'GUARANTOR'
            ELSE 'CREDIT_CHECK' END,
       pl.disbursed,
       pl.created_at,
       least(pl.as_of_end, CASE
           WHEN NOT pl.disbursed THEN pl.created_at + interval '3 days' * pl.u_status
           ELSE greatest(pl.app_ts, _refgen.ts(pl.last_day, 82800), CASE st.status
               WHEN 'PAST_MATURITY' THEN _refgen.ts(pl.end_date + 1, 3600)
               WHEN 'DEFAULTED' THEN _refgen.ts(pl.end_date + 31, 3600) END) END)
FROM _refgen.plan pl
CROSS JOIN LATERAL (
    SELECT CASE WHEN pl.d + 1 >= pl.inst THEN pl.total                    -- owed by as_of
                ELSE pl.per_inst * greatest(0, pl.d + 1) END AS due,
           CASE WHEN NOT pl.disbursed THEN pl.app_status
                WHEN pl.paid >= pl.total
                    THEN CASE WHEN pl.u_status < 0.85 THEN 'COMPLETED' ELSE 'CLOSED' END
                WHEN pl.end_date < pl.as_of - 30 AND pl.cls IN ('stopped', 'never')
                    THEN 'DEFAULTED'
                WHEN pl.end_date < pl.as_of THEN 'PAST_MATURITY'
                WHEN pl.u_status < 0.55 THEN 'OPEN' WHEN pl.u_status < 0.90 THEN 'ACTIVE'
                ELSE 'APPROVED' END AS status) AS st;
