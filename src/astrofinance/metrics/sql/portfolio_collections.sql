-- Collection rate inputs over [:period_start, :period_end] for the filtered loans: the
-- non-reversed repayments dated in the period and the installments (amount_due) falling due
-- in it, per group and in total. The period's rows of both sides are read by their date
-- indexes and joined to the filtered loans together, so the loans are read once; the total is
-- summed over the groups' rows. A filter by officer (a few of the book's loans) reads
-- portfolio_collections_by_loan.sql instead: only those loans' rows, by their loan indexes.
WITH p AS (
    SELECT r.loan_id, r.payment_amount AS repaid, NULL::numeric AS due
    FROM repayments r
    WHERE NOT r.is_reversed AND r.payment_date BETWEEN :period_start AND :period_end
    UNION ALL
    SELECT s.loan_id, NULL, s.amount_due
    FROM payment_schedules s
    WHERE s.due_date BETWEEN :period_start AND :period_end
), g AS (
    SELECT {group_key} AS grp, coalesce(sum(p.repaid), 0) AS repaid,
           coalesce(sum(p.due), 0) AS due
    FROM p JOIN _pf_book b ON b.loan_id = p.loan_id
    WHERE b.status NOT IN ('Pending', 'Cancelled')
      {filters}
    GROUP BY 1
)
SELECT g.grp::text, false AS is_total, g.repaid, g.due FROM g
UNION ALL
SELECT NULL, true, coalesce(sum(g.repaid), 0), coalesce(sum(g.due), 0) FROM g
