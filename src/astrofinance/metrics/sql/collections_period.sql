-- Amount due vs collected over [:date_from, :date_to] (GET /api/v1/collections): per day, per
-- branch, per officer and in total (GROUPING SETS over the period's rows summed per day,
-- branch and officer, one pass; `sets`:
-- 3 = a day, 5 = a branch, 6 = an officer, 7 = the total). The definition of portfolio_collections.sql
-- (shared/spec/metrics.md, "Collection rate"): the same loans (not Pending or Cancelled, the
-- filters of PortfolioFilters.sql over loans as `b`), collected = non-reversed repayments
-- dated in the period, due = the installments (amount_due) falling due in it.
-- tests/api/test_officers.py holds the two to the same totals.
-- The period's rows of both sides are read by their date indexes and joined to the filtered
-- loans together (the loans are read once; a filter by officer reads
-- collections_period_by_loan.sql instead). A grouping the caller does not want has its key
-- rendered as NULL (one row, skipped by collections.py).
WITH p AS (
    SELECT r.loan_id, r.payment_date AS day, r.payment_amount AS collected,
           NULL::numeric AS due
    FROM repayments r
    WHERE NOT r.is_reversed AND r.payment_date BETWEEN :date_from AND :date_to
    UNION ALL
    SELECT s.loan_id, s.due_date, NULL, s.amount_due
    FROM payment_schedules s
    WHERE s.due_date BETWEEN :date_from AND :date_to
), x AS (
    SELECT p.day, {branch_key} AS g_branch, {officer_key} AS g_officer, p.collected, p.due
    FROM p JOIN loans b ON b.loan_id = p.loan_id
    WHERE b.status NOT IN ('Pending', 'Cancelled')
      {filters}
)
, c AS MATERIALIZED (     -- per (day, branch, officer): a parallel aggregate
    SELECT x.day, x.g_branch, x.g_officer, sum(x.due) AS due, sum(x.collected) AS collected
    FROM x
    GROUP BY x.day, x.g_branch, x.g_officer
)
SELECT c.day, c.g_branch, c.g_officer,
       GROUPING(c.day, c.g_branch, c.g_officer) AS sets,
       coalesce(sum(c.due), 0) AS due,
       coalesce(sum(c.collected), 0) AS collected
FROM c
GROUP BY GROUPING SETS ((c.day), (c.g_branch), (c.g_officer), ())
