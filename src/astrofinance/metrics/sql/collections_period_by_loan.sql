-- Amount due vs collected over [:date_from, :date_to] (GET /api/v1/collections): per day, per
-- branch, per officer and in total (GROUPING SETS over the period's rows, one pass; `sets`:
-- 3 = a day, 5 = a branch, 6 = an officer, 7 = the total). The definition of portfolio_collections.sql
-- (shared/spec/metrics.md, "Collection rate"): the same loans (not Pending or Cancelled, the
-- filters of PortfolioFilters.sql over loans as `b`), collected = non-reversed repayments
-- dated in the period, due = the installments (amount_due) falling due in it.
-- tests/api/test_officers.py holds the two to the same totals.
-- This file serves a filter by officer (collections.py picks it then; collections_period.sql
-- otherwise): each side joins the few filtered loans' rows, found by their loan indexes.
WITH x AS (
    SELECT r.payment_date AS day, {branch_key} AS g_branch, {officer_key} AS g_officer,
           r.payment_amount AS collected, NULL::numeric AS due
    FROM repayments r JOIN loans b ON b.loan_id = r.loan_id
    WHERE NOT r.is_reversed AND r.payment_date BETWEEN :date_from AND :date_to
      AND b.status NOT IN ('Pending', 'Cancelled')
      {filters}
    UNION ALL
    SELECT s.due_date, {branch_key}, {officer_key}, NULL, s.amount_due
    FROM payment_schedules s JOIN loans b ON b.loan_id = s.loan_id
    WHERE s.due_date BETWEEN :date_from AND :date_to
      AND b.status NOT IN ('Pending', 'Cancelled')
      {filters}
)
SELECT x.day, x.g_branch, x.g_officer,
       GROUPING(x.day, x.g_branch, x.g_officer) AS sets,
       coalesce(sum(x.due), 0) AS due,
       coalesce(sum(x.collected), 0) AS collected
FROM x
GROUP BY GROUPING SETS ((x.day), (x.g_branch), (x.g_officer), ())
