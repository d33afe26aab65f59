-- Repayments: one row per paid slot (see generate_plan.sql) up to as_of, in business days only.
--   amount: what the slot's installments come to (ref_cum), so a loan that pays all its slots
--     has paid exactly repayment_amount.
--   4% of slots are split into two payments (half and the rest) made the same day.
--   0.5% of slots first have a failed debit: a row marked_as = 'REVERSAL' of the same amount
--     (updated later, when it was reversed), then the real payment.
--   repayment_type: mostly the loan's usual channel; lump sums come by TRANSFER.
--   marked_as: NULL on rows older than a year (before the field existed), else 'REPAYMENT'.
--   created_at: agent debits are posted by the nightly batch at 19:00:00 exactly (many rows
--     share a timestamp, which the (updated_at, id) watermark must handle); the others during
--     the day. updated_at = created_at, except reversals and 1% of rows edited later; all
--     timestamps end by the end of as_of.
-- Ids follow (loan id, paid date): deterministic for a seed; they are not in time order.
INSERT INTO loans_ajoloanrepayment (id, ajo_loan_id, paid_date, repayment_amount,
                                    repayment_type, marked_as, created_at, updated_at)
SELECT row_number() OVER (ORDER BY x.loan_id, x.j, x.part),
       x.loan_id, x.day,
       CASE WHEN x.part = 1 AND x.rev THEN x.amount
            WHEN x.split AND x.part = x.parts - 1 THEN round(x.amount / 2, 2)
            WHEN x.split THEN x.amount - round(x.amount / 2, 2)
            ELSE x.amount END,
       x.kind,
       CASE WHEN x.part = 1 AND x.rev THEN 'REVERSAL'
            WHEN x.day < x.as_of - 365 THEN NULL ELSE 'REPAYMENT' END,
       x.created_at,
       CASE WHEN x.part = 1 AND x.rev
                THEN least(x.as_of_end, x.created_at + interval '1 hour' * (1 + 47 * x.u_late))
            WHEN x.u_late < 0.01
                THEN least(x.as_of_end, x.created_at + interval '1 day' * (1 + 9 * x.u_secs))
            ELSE x.created_at END
FROM (
    SELECT pl.loan_id, s.j, r.part, bd.day, o.amount, o.rev, o.split, o.parts, p.as_of,
           p.as_of_end, o.u_late, o.u_secs, k.kind,
           CASE WHEN k.kind = 'AGENT_DEBIT' THEN pg_temp.ref_ts(bd.day, 68400)      -- 19:00
                ELSE pg_temp.ref_ts(bd.day, 25200 + 50400 * o.u_secs) END AS created_at
    FROM _ref_params p
    CROSS JOIN _ref_plan pl
    CROSS JOIN LATERAL generate_series(0, pl.jhi) AS s(j)
    CROSS JOIN LATERAL (
        SELECT off, amount, lump, rev, split, 1 + rev::integer + split::integer AS parts,
               pg_temp.ref_u(p.seed, key, 304) AS u_kind,
               pg_temp.ref_u(p.seed, key, 305) AS u_secs,
               pg_temp.ref_u(p.seed, key, 306) AS u_late
        FROM (SELECT pl.k * 1024 + s.j AS key,
                     s.j * pl.w + pl.w - 1 + coalesce(s.j / pl.p, 0) AS off,
                     pg_temp.ref_cum(CASE WHEN s.j = pl.settle_at THEN pl.inst
                                          ELSE least(pl.inst, (s.j + 1) * pl.m) END,
                                     pl.inst, pl.total, pl.per_inst)
                     - pg_temp.ref_cum(s.j * pl.m, pl.inst, pl.total, pl.per_inst) AS amount,
                     pl.m > 1 OR s.j = pl.settle_at AS lump) AS slot
        CROSS JOIN LATERAL (
            SELECT pg_temp.ref_u(p.seed, slot.key, 301) < 0.005 AS rev,
                   pg_temp.ref_u(p.seed, slot.key, 302) < 0.04 AS split) AS extra
        ) AS o
    CROSS JOIN LATERAL generate_series(1, o.parts) AS r(part)
    CROSS JOIN LATERAL (
        SELECT CASE WHEN o.lump THEN 'TRANSFER'
                    WHEN o.u_kind < 0.85 AND NOT (o.split AND r.part = o.parts) THEN pl.channel
                    WHEN o.u_kind < 0.90 OR pl.channel <> 'TRANSFER' THEN 'TRANSFER'
                    ELSE 'CARD' END AS kind) AS k
    JOIN _ref_bd bd ON bd.n = pl.nd + 1 + o.off
    WHERE o.off <= pl.d
) AS x;
