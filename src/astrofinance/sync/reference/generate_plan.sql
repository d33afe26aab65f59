-- The loans' terms and each loan's repayment behaviour, one row per generated loan k (1..n).
--
-- Borrowers: loan k <= n_customers is customer k's first loan; the rest (~12%) are repeat
-- loans of random customers. 90% of loans are with the customer's own agent, 10% with another.
-- 95% are disbursed; the others are applications: PENDING (15% of them, made in the last two
-- weeks), REJECTED, DECLINED or NOT_TAKEN. A loan is disbursed on a business day of the ~18
-- months before as_of (more of them recently), never before its agent joined; start_date is the
-- next business day (the first payment due date); tenor_in_days is 30, 60 or 90 calendar days
-- (20%, 30%, 35%) or else 20-120; the installments are the business days from start_date to
-- start_date + tenor - 1, the last of which is end_date.
-- Money: amount NGN 20,000-500,000 in whole thousands (more small loans than large),
-- interest_rate 10-30% by tenor, repayment_amount = amount + interest (the total repayable),
-- processing_fee 1-2% of amount (charged upfront: not part of repayment_amount).
CREATE UNLOGGED TABLE _refgen.terms AS
SELECT g.k, b.borrower_id, a.officer_id AS agent_id, s.app_status IS NULL AS disbursed,
       s.app_status, d.nd, bd.day AS app_day, b0.day AS start_date, be.day AS end_date,
       t.tenor, te.n_le - d.nd AS inst, m.amount, m.rate, m.fee,
       round(m.amount + m.amount * m.rate / 100, 2) AS total, t.loan_type, t.channel,
       _refgen.ts(bd.day, 28800 + 32400 * _refgen.u(p.seed, g.k, 220)) AS app_ts,
       _refgen.u(p.seed, g.k, 221) AS u_created,
       _refgen.u(p.seed, g.k, 222) AS u_status,
       _refgen.u(p.seed, g.k, 223) AS u_behaviour,
       _refgen.u(p.seed, g.k, 224) AS u_share,
       _refgen.u(p.seed, g.k, 225) AS u_split,
       _refgen.u(p.seed, g.k, 226) AS u_phase,
       _refgen.u(p.seed, g.k, 227) AS u_rev
FROM _refgen.params p
CROSS JOIN LATERAL generate_series(1, p.n_loans) AS g(k)
CROSS JOIN LATERAL (
    SELECT CASE WHEN g.k <= p.n_customers THEN g.k
                ELSE 1 + floor(_refgen.u(p.seed, g.k, 201) * p.n_customers)::integer END
               AS borrower_id) AS b
JOIN _refgen.customers c ON c.id = b.borrower_id
JOIN _refgen.agents a ON a.n = CASE
    WHEN _refgen.u(p.seed, g.k, 202) < 0.9 THEN c.agent_n
    ELSE 1 + floor(_refgen.u(p.seed, g.k, 203) * p.n_agents)::integer END
LEFT JOIN _refgen.days jd ON jd.day = a.joined
CROSS JOIN LATERAL (
    SELECT CASE WHEN u >= 0.05 THEN NULL WHEN u < 0.0075 THEN 'PENDING'
                WHEN u < 0.025 THEN 'REJECTED' WHEN u < 0.0375 THEN 'DECLINED'
                ELSE 'NOT_TAKEN' END AS app_status,
           greatest(p.win_lo, coalesce(jd.n_le, 0) + 1) AS lo
    FROM (SELECT _refgen.u(p.seed, g.k, 204) AS u) AS draw) AS s
CROSS JOIN LATERAL (
    SELECT least(p.na, CASE
        WHEN s.app_status = 'PENDING'
            THEN greatest(s.lo, p.na - floor(8 * _refgen.u(p.seed, g.k, 205))::integer)
        ELSE s.lo + floor(power(_refgen.u(p.seed, g.k, 205), 0.75)
                          * (p.na - s.lo + 1))::integer END) AS nd) AS d
JOIN _refgen.bd bd ON bd.n = d.nd
JOIN _refgen.bd b0 ON b0.n = d.nd + 1
CROSS JOIN LATERAL (
    SELECT CASE WHEN u < 0.20 THEN 30 WHEN u < 0.50 THEN 60 WHEN u < 0.85 THEN 90
                ELSE 20 + floor(101 * _refgen.u(p.seed, g.k, 207))::integer END AS tenor,
           CASE WHEN v < 0.85 THEN 'AJO' WHEN v < 0.95 THEN 'BNPL' ELSE 'PROSPER' END
               AS loan_type,
           CASE WHEN w < 0.60 THEN 'AGENT_DEBIT' WHEN w < 0.85 THEN 'TRANSFER'
                WHEN w < 0.93 THEN 'CARD' ELSE 'USSD' END AS channel
    FROM (SELECT _refgen.u(p.seed, g.k, 206) AS u, _refgen.u(p.seed, g.k, 208) AS v,
                 _refgen.u(p.seed, g.k, 209) AS w) AS draws) AS t
JOIN _refgen.days te ON te.day = b0.day + t.tenor - 1
JOIN _refgen.bd be ON be.n = te.n_le
CROSS JOIN LATERAL (
    SELECT amount,
           least(30, greatest(10, round(2 * (8 + 0.15 * t.tenor + 6 * r)) / 2))::numeric(5,2)
               AS rate,
           round(amount * CASE WHEN f < 0.5 THEN 0.01 WHEN f < 0.8 THEN 0.015 ELSE 0.02 END, 2)
               AS fee
    FROM (SELECT (1000 * (20 + floor(481 * power(_refgen.u(p.seed, g.k, 210), 2))))::numeric
                     AS amount,
                 _refgen.u(p.seed, g.k, 211) AS r,
                 _refgen.u(p.seed, g.k, 212) AS f) AS draws) AS m;

-- How each disbursed loan is repaid (cls). A loan is paid in slots j = 0, 1, ...; slot j pays
-- installments [j*m, (j+1)*m) (or all the rest, when j = settle_at) on business day
-- n0 + off(j) where n0 is start_date's and off(j) = j*w + w - 1 + j / p (integer division; p:
-- pays p days, then misses one):
--   ontime  57%  every business day from start_date (m = w = 1)
--   late    18%  misses a day every p (3-10) days, so finishes after end_date (past maturity)
--   settler  5%  late, then pays off the rest in one lump sum (settle_at)
--   weekly   5%  a week's installments every fifth business day (m = w = 5)
--   early    5%  two installments a day (m = 2), finishes in half the tenor
--   stopped  8%  late, and stops after 5-65% of the installments (stop_at): defaults
--   never    2%  never pays
-- The customers of a quarter of the loans sometimes split a payment in two (half, then the rest
-- by another channel): every q-th slot (q = 3-9, from slot phase). About one slot in 200 also has
-- a failed debit before the payment (a reversal row): n_rev of them at random slots.
-- slots: how many slots are paid by as_of, exactly: d = as_of's business-day number - n0, and
-- off(j) <= d holds for j < (d + 1) / w without misses, and for (d + 1) - (d + 1) / (p + 1)
-- values of j with them (every (p + 1)-th day is missed).
CREATE UNLOGGED TABLE _refgen.habits AS
SELECT t.*, h.*,
       greatest(0, least(ceil(t.inst::numeric / h.m)::integer, h.settle_at + 1, h.stop_at,
                         CASE WHEN h.p IS NULL THEN floor((t.d + 1)::numeric / h.w)::integer
                              ELSE t.d + 1 - floor((t.d + 1)::numeric / (h.p + 1))::integer
                         END)) AS slots
FROM (
    SELECT t0.*, p.na - (t0.nd + 1) AS d,
           CASE WHEN t0.disbursed THEN t0.app_ts - interval '72 hours' * t0.u_created
                ELSE t0.app_ts END AS created_at
    FROM _refgen.terms t0, _refgen.params p) AS t
CROSS JOIN LATERAL (
    SELECT cls,
           CASE cls WHEN 'weekly' THEN 5 WHEN 'early' THEN 2 ELSE 1 END AS m,
           CASE cls WHEN 'weekly' THEN 5 ELSE 1 END AS w,
           CASE WHEN cls IN ('late', 'settler', 'stopped')
                THEN 3 + floor(8 * t.u_share)::integer END AS p,
           CASE WHEN cls IS NULL OR cls = 'never' THEN 0
                WHEN cls = 'stopped' THEN floor(t.inst * (0.05 + 0.6 * t.u_share))::integer
           END AS stop_at,
           CASE WHEN cls = 'settler'
                THEN floor(t.inst * (0.3 + 0.5 * t.u_share))::integer END AS settle_at,
           CASE WHEN t.u_split < 0.25 THEN 3 + floor(7 * t.u_split / 0.25)::integer END AS q
    FROM (SELECT CASE WHEN NOT t.disbursed THEN NULL
                      WHEN t.u_behaviour < 0.57 THEN 'ontime'
                      WHEN t.u_behaviour < 0.75 THEN 'late'
                      WHEN t.u_behaviour < 0.80 THEN 'settler'
                      WHEN t.u_behaviour < 0.85 THEN 'weekly'
                      WHEN t.u_behaviour < 0.90 THEN 'early'
                      WHEN t.u_behaviour < 0.98 THEN 'stopped'
                      ELSE 'never' END AS cls) AS c) AS h;

-- The plan: loan ids in created_at order (as Django's would be), and for each loan what its
-- repayments come to, so that loans and repayments can be written independently:
--   rep_base / extra_base: the ids before the loan's payment rows / extra rows (split second
--     halves and reversals, numbered after all the payment rows); ids are dense.
--   paid: the sum of its payment rows (reversals do not count); last_day: the last one's day.
CREATE UNLOGGED TABLE _refgen.plan AS
SELECT x.*, bl.day AS last_day,
       CASE WHEN x.covered >= x.inst THEN x.total ELSE x.per_inst * x.covered END AS paid
FROM (
    SELECT h.*, p.seed, p.as_of, p.as_of_end,
           row_number() OVER w AS loan_id,
           sum(h.slots) OVER w - h.slots AS rep_base,
           sum(h.n_split + h.n_rev) OVER w - h.n_split - h.n_rev AS extra_base,
           h.per_inst * h.m AS per_slot,
           CASE WHEN h.slots = 0 THEN 0 WHEN h.slots - 1 = h.settle_at THEN h.inst
                ELSE least(h.inst, h.slots * h.m) END AS covered,
           h.slots - 1 AS j_last
    FROM _refgen.params p
    CROSS JOIN LATERAL (
        SELECT h0.*, round(h0.total / h0.inst, 2) AS per_inst,
               CASE WHEN h0.slots > h0.phase THEN (h0.slots - 1 - h0.phase) / h0.q + 1 ELSE 0
               END AS n_split,
               floor(h0.slots * 0.005 + h0.u_rev)::integer AS n_rev
        FROM (SELECT *, floor(q * u_phase)::integer AS phase FROM _refgen.habits) AS h0) AS h
    WINDOW w AS (ORDER BY h.created_at, h.k)
) AS x
LEFT JOIN _refgen.bd bl
    ON bl.n = x.nd + 1 + x.j_last * x.w + x.w - 1 + coalesce(x.j_last / x.p, 0);
ALTER TABLE _refgen.plan ADD PRIMARY KEY (loan_id);
ANALYZE _refgen.plan;
UPDATE _refgen.params SET n_payments = (SELECT coalesce(sum(slots), 0) FROM _refgen.plan);
