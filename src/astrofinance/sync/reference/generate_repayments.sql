-- Repayments of the loans with loan_id mod workers = worker (two connections write at once).
-- Rows, all on business days up to as_of (see the behaviours in generate_plan.sql):
--   payment rows: one per paid slot j; id rep_base + j + 1 (dense, in (loan, date) order);
--     amount per_slot, the last slot (or the settling lump) the rest of repayment_amount, half
--     of it on a split slot.
--   extra rows, ids after all the payment rows (n_payments + extra_base + i):
--     the rest of a split slot (same day, another channel), and reversals: a failed debit
--     of the slot's amount, marked_as = 'REVERSAL', updated when it was reversed (1-48 h).
--   repayment_type: mostly the loan's usual channel; lump sums come by TRANSFER.
--   marked_as: NULL on rows older than a year (before the field existed), else 'REPAYMENT'.
--   created_at: agent debits are posted by the nightly batch at 19:00:00 exactly (many rows
--     share a timestamp, which the (updated_at, id) watermark must handle); the others during
--     the day. updated_at = created_at, except reversals and 1 in 100 rows edited later (1-10
--     days); all timestamps end by the end of as_of.
-- A row's values come from (loan, slot, role) alone, so no sort and no numbering is needed;
-- the calendar is an array subscript (an InitPlan, computed once); OFFSET 0 keeps each level's
-- values computed once (PostgreSQL would otherwise inline them into every reference).
WITH mine AS MATERIALIZED (      -- this worker's loans, with the columns the rows need
    SELECT pl.loan_id, pl.k, pl.seed, pl.as_of, pl.as_of_end, pl.nd, pl.m, pl.w, pl.p,
           pl.inst, pl.settle_at, pl.total, pl.per_inst, pl.per_slot, pl.q, pl.phase,
           pl.channel, pl.slots, pl.n_split, pl.n_rev, pl.rep_base, pl.extra_base, pm.n_payments
    FROM _refgen.plan pl, _refgen.params pm
    WHERE mod(pl.loan_id, %(workers)s) = %(worker)s AND pl.slots > 0
)
INSERT INTO loans_ajoloanrepayment (id, ajo_loan_id, paid_date, repayment_amount,
                                    repayment_type, marked_as, created_at, updated_at)
SELECT t.id, t.loan_id, t.day,
       CASE WHEN t.role = 'reversal' OR NOT t.split THEN t.amount
            WHEN t.role = 'payment' THEN round(t.amount / 2, 2)
            ELSE t.amount - round(t.amount / 2, 2) END,
       t.kind,
       CASE WHEN t.role = 'reversal' THEN 'REVERSAL'
            WHEN t.day < t.as_of - 365 THEN NULL ELSE 'REPAYMENT' END,
       t.created_at,
       least(t.as_of_end, t.created_at + CASE
           WHEN t.role = 'reversal' THEN interval '1 hour' * (1 + 47 * t.u_late)
           WHEN t.u_late < 0.01 THEN interval '1 day' * (1 + 9 * t.u_secs)
           ELSE interval '0' END)
FROM (
    SELECT s.*, _refgen.ts(s.day, CASE WHEN s.kind = 'AGENT_DEBIT' THEN 68400      -- 19:00
                                       ELSE 25200 + 50400 * s.u_secs END) AS created_at
    FROM (
        SELECT r.id, r.loan_id, r.role, r.as_of, r.as_of_end,
               ((SELECT array_agg(day ORDER BY n) FROM _refgen.bd))
                   [r.nd + 1 + r.j * r.w + r.w - 1 + coalesce(r.j / r.p, 0)] AS day,
               CASE WHEN r.j = r.settle_at OR (r.j + 1) * r.m >= r.inst
                    THEN r.total - r.per_inst * (r.j * r.m) ELSE r.per_slot END AS amount,
               coalesce(mod(r.j, r.q) = r.phase, false) AS split,
               _refgen.u(r.seed, r.k * 1024 + r.j, 305) AS u_secs,
               _refgen.u(r.seed, r.k * 1024 + r.j, 306) AS u_late,
               CASE WHEN r.role = 'reversal' THEN r.channel
                    WHEN r.m > 1 OR r.j = r.settle_at THEN 'TRANSFER'            -- lump sums
                    WHEN r.role = 'rest' OR _refgen.u(r.seed, r.k * 1024 + r.j, 304) >= 0.85
                        THEN CASE WHEN r.channel = 'TRANSFER' THEN 'CARD' ELSE 'TRANSFER' END
                    ELSE r.channel END AS kind
        FROM (                    -- the rows: payments, rests of split slots, reversals
            SELECT pl.*, 'payment' AS role, g.j, pl.rep_base + g.j + 1 AS id
            FROM mine AS pl CROSS JOIN LATERAL generate_series(0, pl.slots - 1) AS g(j)
            UNION ALL
            SELECT pl.*, 'rest', pl.phase + e.i * pl.q, pl.n_payments + pl.extra_base + e.i + 1
            FROM mine AS pl CROSS JOIN LATERAL generate_series(0, pl.n_split - 1) AS e(i)
            UNION ALL
            SELECT pl.*, 'reversal',
                   floor(pl.slots * _refgen.u(pl.seed, pl.k * 64 + e.i, 310))::integer,
                   pl.n_payments + pl.extra_base + pl.n_split + e.i + 1
            FROM mine AS pl CROSS JOIN LATERAL generate_series(0, pl.n_rev - 1) AS e(i)
        ) AS r
        OFFSET 0) AS s
    OFFSET 0) AS t
