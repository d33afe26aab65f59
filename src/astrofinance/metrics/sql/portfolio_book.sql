-- Loans on the books as of :as_of, per group and in total (ROLLUP), in one pass.
-- On the books as of T (portfolio.ON_BOOKS_SQL, rendered in: the function loan_on_books):
-- disbursed on or before T and Active or Defaulted, or Closed after T, or Written Off after T.
-- portfolio.py also renders
-- the DPD columns: per configured PAR threshold x, the count and principal of loans with
-- current_dpd > x, and per CBN prudential class its count and principal (from its whitelist;
-- the day counts are bound values), the group key and the filter clauses.
SELECT x.grp,
       GROUPING(x.grp) = 1 AS is_total,
       count(*) AS loans_on_books,
       coalesce(sum(x.principal_outstanding), 0) AS gross_loan_portfolio,
       coalesce(sum(x.overdue_amount), 0) AS overdue_amount,
       count(*) FILTER (WHERE x.current_dpd > 0) AS loans_in_arrears,
       count(*) FILTER (WHERE x.early_indicator_tagged) AS early_indicator_count,
       avg(x.current_dpd) AS avg_dpd,
       avg(x.current_dpd) FILTER (WHERE x.current_dpd > 0) AS avg_dpd_in_arrears
       {dpd_columns}
FROM (
    SELECT {group_key} AS grp, b.principal_outstanding, b.overdue_amount, b.current_dpd,
           b.early_indicator_tagged
    FROM _pf_book b
    WHERE {on_books}
      {filters}
) x
GROUP BY ROLLUP (x.grp)
