-- The loans' terms and each loan's repayment behaviour, one row per generated loan k (1..n).
--
-- Borrowers: loan k <= n_customers is customer k's first loan; the rest (~12%) are repeat
-- loans of random customers. 90% of loans are with the customer's own agent, 10% with another.
-- 95% are disbursed; the others are applications: PENDING (15% of them, made in the last two
-- weeks), REJECTED, DECLINED or NOT_TAKEN. A loan is disbursed on a business day of the ~18
-- months before as_of (more of them recently), never before its agent joined; start_date is the
-- next business day (the first payment due date); tenor_in_days is mostly 30, 60 or 90 calendar
-- days; the installments are the business days from start_date to start_date + tenor - 1, the
-- last of which is end_date.
-- Money: amount NGN 20,000-500,000 in whole thousands (more small loans than large),
-- interest_rate 10-30% by tenor, repayment_amount = amount + interest (the total repayable),
-- processing_fee 1-2% of amount (charged upfront: not part of repayment_amount).
CREATE TEMP TABLE _ref_terms ON COMMIT DROP AS
SELECT g.k, b.borrower_id, a.officer_id AS agent_id, s.app_status IS NULL AS disbursed,
       s.app_status, d.nd, bd.day AS app_day, b0.day AS start_date, be.day AS end_date,
       t.tenor, te.n_le - d.nd AS inst, m.amount, m.rate, m.fee,
       round(m.amount + m.amount * m.rate / 100, 2) AS total, t.loan_type, t.channel,
       pg_temp.ref_ts(bd.day, 28800 + 32400 * pg_temp.ref_u(p.seed, g.k, 220)) AS app_ts,
       pg_temp.ref_u(p.seed, g.k, 221) AS u_created,
       pg_temp.ref_u(p.seed, g.k, 222) AS u_status,
       pg_temp.ref_u(p.seed, g.k, 223) AS u_behaviour,
       pg_temp.ref_u(p.seed, g.k, 224) AS u_share
FROM _ref_params p
CROSS JOIN LATERAL generate_series(1, p.n_loans) AS g(k)
CROSS JOIN LATERAL (
    SELECT CASE WHEN g.k <= p.n_customers THEN g.k
                ELSE 1 + floor(pg_temp.ref_u(p.seed, g.k, 201) * p.n_customers)::integer END
               AS borrower_id) AS b
JOIN _ref_customers c ON c.id = b.borrower_id
JOIN _ref_agents a ON a.n = CASE
    WHEN pg_temp.ref_u(p.seed, g.k, 202) < 0.9 THEN c.agent_n
    ELSE 1 + floor(pg_temp.ref_u(p.seed, g.k, 203) * p.n_agents)::integer END
LEFT JOIN _ref_days jd ON jd.day = a.joined
CROSS JOIN LATERAL (
    SELECT CASE WHEN u >= 0.05 THEN NULL WHEN u < 0.0075 THEN 'PENDING'
                WHEN u < 0.025 THEN 'REJECTED' WHEN u < 0.0375 THEN 'DECLINED'
                ELSE 'NOT_TAKEN' END AS app_status,
           greatest(p.win_lo, coalesce(jd.n_le, 0) + 1) AS lo
    FROM (SELECT pg_temp.ref_u(p.seed, g.k, 204) AS u) AS draw) AS s
CROSS JOIN LATERAL (
    SELECT least(p.na, CASE
        WHEN s.app_status = 'PENDING'
            THEN greatest(s.lo, p.na - floor(8 * pg_temp.ref_u(p.seed, g.k, 205))::integer)
        ELSE s.lo + floor(power(pg_temp.ref_u(p.seed, g.k, 205), 0.75)
                          * (p.na - s.lo + 1))::integer END) AS nd) AS d
JOIN _ref_bd bd ON bd.n = d.nd
JOIN _ref_bd b0 ON b0.n = d.nd + 1
CROSS JOIN LATERAL (
    SELECT CASE WHEN u < 0.30 THEN 30 WHEN u < 0.60 THEN 60 WHEN u < 0.85 THEN 90
                ELSE 20 + floor(101 * pg_temp.ref_u(p.seed, g.k, 207))::integer END AS tenor,
           CASE WHEN v < 0.85 THEN 'AJO' WHEN v < 0.95 THEN 'BNPL' ELSE 'PROSPER' END
               AS loan_type,
           CASE WHEN w < 0.60 THEN 'AGENT_DEBIT' WHEN w < 0.85 THEN 'TRANSFER'
                WHEN w < 0.93 THEN 'CARD' ELSE 'USSD' END AS channel
    FROM (SELECT pg_temp.ref_u(p.seed, g.k, 206) AS u, pg_temp.ref_u(p.seed, g.k, 208) AS v,
                 pg_temp.ref_u(p.seed, g.k, 209) AS w) AS draws) AS t
JOIN _ref_days te ON te.day = b0.day + t.tenor - 1
JOIN _ref_bd be ON be.n = te.n_le
CROSS JOIN LATERAL (
    SELECT amount, least(30, greatest(10, round(2 * (8 + 0.15 * t.tenor + 6 * r)) / 2))::numeric(5,2)
               AS rate,
           round(amount * CASE WHEN f < 0.5 THEN 0.01 WHEN f < 0.8 THEN 0.015 ELSE 0.02 END, 2)
               AS fee
    FROM (SELECT (1000 * (20 + floor(481 * power(pg_temp.ref_u(p.seed, g.k, 210), 2))))::numeric
                     AS amount,
                 pg_temp.ref_u(p.seed, g.k, 211) AS r,
                 pg_temp.ref_u(p.seed, g.k, 212) AS f) AS draws) AS m;

-- Repayment behaviour of a disbursed loan (`cls`). A loan is paid in slots j = 0, 1, ...; slot j
-- pays installments [j*m, (j+1)*m) (or all the rest, when j = settle_at) on business day
-- n0 + off(j), off(j) = j*w + w - 1 + j / p (p: pays p days, then misses one):
--   ontime  55%  every business day from start_date (m = w = 1)
--   late    18%  misses a day every p (3-10) days, so finishes after end_date (past maturity)
--   settler  5%  late, then pays off the rest in one lump sum (settle_at)
--   weekly   6%  a week's installments every fifth business day (m = w = 5)
--   early    6%  two installments a day (m = 2), finishes in half the tenor
--   stopped  8%  late, and stops after 5-65% of the installments (stop_at): defaults
--   never    2%  never pays
-- Loan ids follow created_at (as Django's would); jhi is the last slot the loan can have paid
-- by as_of (rows past as_of are still filtered out for the late payers).
CREATE TEMP TABLE _ref_plan ON COMMIT DROP AS
SELECT t.*, row_number() OVER (ORDER BY t.created_at, t.k) AS loan_id,
       p.seed, p.as_of, p.as_of_end, p.na - (t.nd + 1) AS d, t.per_inst * b.m AS per_slot,
       CASE WHEN NOT t.disbursed THEN -1 ELSE least(
           ceil(t.inst::numeric / b.m)::integer - 1, b.settle_at, b.stop_at - 1,
           floor((p.na - (t.nd + 1) - b.w + 1)::numeric / b.w)::integer) END AS jhi,
       b.*
FROM _ref_params p
CROSS JOIN LATERAL (
    SELECT t0.*, CASE WHEN t0.disbursed
                      THEN t0.app_ts - interval '72 hours' * t0.u_created ELSE t0.app_ts END
                     AS created_at,
           round(t0.total / t0.inst, 2) AS per_inst
    FROM _ref_terms t0) AS t
CROSS JOIN LATERAL (
    SELECT cls,
           CASE cls WHEN 'weekly' THEN 5 WHEN 'early' THEN 2 ELSE 1 END AS m,
           CASE cls WHEN 'weekly' THEN 5 ELSE 1 END AS w,
           CASE WHEN cls IN ('late', 'settler', 'stopped')
                THEN 3 + floor(8 * t.u_share)::integer END AS p,
           CASE cls WHEN 'stopped' THEN floor(t.inst * (0.05 + 0.6 * t.u_share))::integer
                    WHEN 'never' THEN 0 END AS stop_at,
           CASE WHEN cls = 'settler'
                THEN floor(t.inst * (0.3 + 0.5 * t.u_share))::integer END AS settle_at
    FROM (SELECT CASE WHEN NOT t.disbursed THEN NULL
                      WHEN t.u_behaviour < 0.55 THEN 'ontime'
                      WHEN t.u_behaviour < 0.73 THEN 'late'
                      WHEN t.u_behaviour < 0.78 THEN 'settler'
                      WHEN t.u_behaviour < 0.84 THEN 'weekly'
                      WHEN t.u_behaviour < 0.90 THEN 'early'
                      WHEN t.u_behaviour < 0.98 THEN 'stopped'
                      ELSE 'never' END AS cls) AS c) AS b;
ALTER TABLE _ref_plan ADD PRIMARY KEY (loan_id);
ANALYZE _ref_plan;
