-- Collection rate inputs over [:period_start, :period_end] for the filtered loans: the
-- non-reversed repayments dated in the period and the installments (amount_due) falling due
-- in it, per group and in total. One pass over each side (UNION ALL), then ROLLUP.
WITH l AS (
    SELECT b.loan_id, {group_key} AS grp
    FROM _pf_book b
    WHERE b.status NOT IN ('Pending', 'Cancelled')
      {filters}
)
SELECT x.grp,
       GROUPING(x.grp) = 1 AS is_total,
       coalesce(sum(x.repaid), 0) AS repaid,
       coalesce(sum(x.due), 0) AS due
FROM (
    SELECT l.grp, r.payment_amount AS repaid, NULL::numeric AS due
    FROM repayments r JOIN l ON l.loan_id = r.loan_id
    WHERE NOT r.is_reversed AND r.payment_date BETWEEN :period_start AND :period_end
    UNION ALL
    SELECT l.grp, NULL, s.amount_due
    FROM payment_schedules s JOIN l ON l.loan_id = s.loan_id
    WHERE s.due_date BETWEEN :period_start AND :period_end
) x
GROUP BY ROLLUP (x.grp)
