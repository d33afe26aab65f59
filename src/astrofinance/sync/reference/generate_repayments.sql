-- Repayments: one row per paid slot (see generate_plan.sql) up to as_of, on business days only.
--   amount: per_slot, the last slot (or the settling lump) the rest of repayment_amount, so a
--     loan that pays all its slots has paid exactly repayment_amount.
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
--
-- Speed (30M rows): each slot j of a loan is two candidate rows h = 2j (the payment, or the
-- reversed debit / first half) and h = 2j + 1 (kept only for a reversed or split slot). Rows
-- come in loan order (the plan's primary key) so ordering them by (loan, h) needs only a small
-- sort per loan (Incremental Sort), and the inner query's ORDER BY keeps PostgreSQL from
-- inlining its expressions into the outer one (where each reference would compute them again).
-- No numeric arithmetic on the common path; the calendar is an array subscript (an InitPlan,
-- computed once).
INSERT INTO loans_ajoloanrepayment (id, ajo_loan_id, paid_date, repayment_amount,
                                    repayment_type, marked_as, created_at, updated_at)
SELECT row_number() OVER (ORDER BY r.loan_id, r.h), r.loan_id, r.day, r.amount, r.kind,
       r.marked_as, r.created_at, least(r.as_of_end, r.created_at + r.edited_after)
FROM (
    SELECT pl.loan_id, g.h, pl.as_of_end, s.day,
           CASE WHEN NOT s.split THEN s.amount
                WHEN o.second THEN s.amount - round(s.amount / 2, 2)
                ELSE round(s.amount / 2, 2) END AS amount,
           k.kind,
           CASE WHEN s.rev AND NOT o.second THEN 'REVERSAL'
                WHEN s.day < pl.as_of - 365 THEN NULL ELSE 'REPAYMENT' END AS marked_as,
           pg_temp.ref_ts(s.day, CASE WHEN k.kind = 'AGENT_DEBIT' THEN 68400    -- 19:00
                                      ELSE 25200 + 50400 * s.u_secs END) AS created_at,
           CASE WHEN s.rev AND NOT o.second THEN interval '1 hour' * (1 + 47 * s.u_late)
                WHEN s.u_late < 0.01 THEN interval '1 day' * (1 + 9 * s.u_secs)
                ELSE interval '0' END AS edited_after
    FROM (SELECT * FROM _ref_plan ORDER BY loan_id) AS pl
    CROSS JOIN LATERAL generate_series(0, 2 * pl.jhi + 1) AS g(h)
    CROSS JOIN LATERAL (
        SELECT g.h / 2 AS j, g.h % 2 = 1 AS second, pl.k * 1024 + g.h / 2 AS key) AS o
    CROSS JOIN LATERAL (
        SELECT o.j * pl.w + pl.w - 1 + coalesce(o.j / pl.p, 0) AS off,
               pg_temp.ref_u(pl.seed, o.key, 301) AS u_extra) AS x
    CROSS JOIN LATERAL (
        SELECT ((SELECT array_agg(day ORDER BY n) FROM _ref_bd))[pl.nd + 1 + x.off] AS day,
               CASE WHEN o.j = pl.settle_at OR (o.j + 1) * pl.m >= pl.inst
                    THEN pl.total - pl.per_inst * (o.j * pl.m) ELSE pl.per_slot END AS amount,
               x.u_extra < 0.005 AS rev,
               x.u_extra >= 0.005 AND x.u_extra < 0.045 AS split,
               pg_temp.ref_u(pl.seed, o.key, 305) AS u_secs,
               pg_temp.ref_u(pl.seed, o.key, 306) AS u_late) AS s
    CROSS JOIN LATERAL (
        SELECT CASE WHEN pl.m > 1 OR o.j = pl.settle_at THEN 'TRANSFER'      -- lump sums
                    WHEN pg_temp.ref_u(pl.seed, o.key, 304) < 0.85
                         AND NOT (s.split AND o.second) THEN pl.channel
                    WHEN pl.channel = 'TRANSFER' THEN 'CARD'
                    ELSE 'TRANSFER' END AS kind) AS k
    WHERE x.off <= pl.d AND (NOT o.second OR x.u_extra < 0.045)
    ORDER BY pl.loan_id, g.h
) AS r;
