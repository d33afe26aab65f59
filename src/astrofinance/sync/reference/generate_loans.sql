-- Loans, with the status their repayments (generated first) give them as of as_of:
--   paid in full                       COMPLETED (85%) or CLOSED
--   stopped or never paid, and ended more than 30 days before as_of      DEFAULTED
--   ended before as_of, not paid in full                                  PAST_MATURITY
--   running                            OPEN (55%), ACTIVE (35%) or APPROVED
--   not disbursed                      PENDING, REJECTED, DECLINED or NOT_TAKEN (no dates)
-- performance_status: PERFORMING / OWED_BALANCE (running loans at most one installment behind
-- or more), PAST_MATURITY, LOST (defaulted), COMPLETED; NULL when not disbursed.
-- updated_at: the last change: disbursement, the last repayment, the nightly job that marked it
-- past maturity (the day after end_date) or defaulted (31 days after), never after as_of.
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
            WHEN st.paid >= pg_temp.ref_cum(least(pl.inst, greatest(0, pl.d + 1)), pl.inst,
                                            pl.total, pl.per_inst) - pl.per_inst
                THEN 'PERFORMING'
            ELSE 'OWED_BALANCE' END,
       pl.loan_type,
       CASE WHEN pl.disbursed OR pl.app_status = 'NOT_TAKEN' THEN 'VERIFIED'
            WHEN pl.u_created < 0.4 THEN 'KYC' WHEN pl.u_created < 0.7 THEN 'GUARANTOR'
            ELSE 'CREDIT_CHECK' END,
       pl.disbursed,
       pl.created_at,
       least(p.as_of_end, CASE
           WHEN NOT pl.disbursed THEN pl.created_at + interval '3 days' * pl.u_status
           ELSE greatest(pl.app_ts, r.last_at, CASE st.status
               WHEN 'PAST_MATURITY' THEN pg_temp.ref_ts(pl.end_date + 1, 3600)
               WHEN 'DEFAULTED' THEN pg_temp.ref_ts(pl.end_date + 31, 3600) END) END)
FROM _ref_params p
CROSS JOIN _ref_plan pl
LEFT JOIN (
    SELECT ajo_loan_id,
           sum(repayment_amount) FILTER (WHERE marked_as IS DISTINCT FROM 'REVERSAL') AS paid,
           max(updated_at) AS last_at
    FROM loans_ajoloanrepayment GROUP BY ajo_loan_id
) AS r ON r.ajo_loan_id = pl.loan_id
CROSS JOIN LATERAL (
    SELECT coalesce(r.paid, 0) AS paid, CASE
        WHEN NOT pl.disbursed THEN pl.app_status
        WHEN coalesce(r.paid, 0) >= pl.total
            THEN CASE WHEN pl.u_status < 0.85 THEN 'COMPLETED' ELSE 'CLOSED' END
        WHEN pl.end_date < p.as_of - 30 AND pl.cls IN ('stopped', 'never') THEN 'DEFAULTED'
        WHEN pl.end_date < p.as_of THEN 'PAST_MATURITY'
        WHEN pl.u_status < 0.55 THEN 'OPEN' WHEN pl.u_status < 0.90 THEN 'ACTIVE'
        ELSE 'APPROVED' END AS status) AS st;
