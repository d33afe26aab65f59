-- Loans on the books as of :as_of, per group, and the total over the groups.
-- On the books as of T (portfolio.ON_BOOKS_SQL, rendered in: the function loan_on_books):
-- disbursed on or before T and Active or Defaulted, or Closed after T, or Written Off after T.
-- portfolio.py also renders the DPD columns: per configured PAR threshold x, the count and
-- principal of loans with current_dpd > x, and per CBN prudential class its count and
-- principal (from its whitelist; the day counts are bound values), their totals, the group
-- key and the filter clauses.
-- One pass over the loans grouped by the group key alone (a parallel aggregate: ROLLUP and
-- GROUPING SETS are not), then the total summed over the groups' rows.
WITH g AS (
{groups}
), t AS (
    SELECT NULL::text AS grp, true AS is_total,
           coalesce(sum(g.loans_on_books), 0)::bigint AS loans_on_books,
           coalesce(sum(g.gross_loan_portfolio), 0) AS gross_loan_portfolio,
           coalesce(sum(g.overdue_amount), 0) AS overdue_amount,
           coalesce(sum(g.loans_in_arrears), 0)::bigint AS loans_in_arrears,
           coalesce(sum(g.early_indicator_count), 0)::bigint AS early_indicator_count,
           coalesce(sum(g.dpd_sum), 0) AS dpd_sum,
           coalesce(sum(g.dpd_n), 0) AS dpd_n
           {dpd_totals}
    FROM g
), a AS (
    SELECT g.grp::text, false AS is_total, g.loans_on_books, g.gross_loan_portfolio,
           g.overdue_amount, g.loans_in_arrears, g.early_indicator_count, g.dpd_sum::numeric,
           g.dpd_n::numeric {dpd_names}
    FROM g
    UNION ALL
    SELECT * FROM t
)
SELECT a.*,
       a.dpd_sum / nullif(a.dpd_n, 0) AS avg_dpd,
       -- the loans in arrears' DPDs: every DPD above 0 (the loans at 0 add nothing)
       a.dpd_sum / nullif(a.loans_in_arrears, 0) AS avg_dpd_in_arrears
FROM a
