-- Collection rate inputs over [:period_start, :period_end] for the filtered loans: the
-- non-reversed repayments dated in the period and the installments (amount_due) falling due
-- in it, per group and in total, for a filter by officer (portfolio.py picks this file then;
-- portfolio_collections.sql otherwise): each side joins the few filtered loans' rows, found by
-- their loan indexes, instead of reading every row of the period; the total is summed over the
-- groups' rows.
WITH g AS (
    SELECT x.grp, coalesce(sum(x.repaid), 0) AS repaid, coalesce(sum(x.due), 0) AS due
    FROM (
        SELECT {group_key} AS grp, r.payment_amount AS repaid, NULL::numeric AS due
        FROM repayments r JOIN _pf_book b ON b.loan_id = r.loan_id
        WHERE NOT r.is_reversed AND r.payment_date BETWEEN :period_start AND :period_end
          AND b.status NOT IN ('Pending', 'Cancelled')
          {filters}
        UNION ALL
        SELECT {group_key}, NULL, s.amount_due
        FROM payment_schedules s JOIN _pf_book b ON b.loan_id = s.loan_id
        WHERE s.due_date BETWEEN :period_start AND :period_end
          AND b.status NOT IN ('Pending', 'Cancelled')
          {filters}
    ) x
    GROUP BY x.grp
)
SELECT g.grp::text, false AS is_total, g.repaid, g.due FROM g
UNION ALL
SELECT NULL, true, coalesce(sum(g.repaid), 0), coalesce(sum(g.due), 0) FROM g
