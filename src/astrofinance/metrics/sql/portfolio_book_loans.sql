-- portfolio_book.sql's groups read from the loans: one pass over the loans on the books
-- grouped by the group key alone (a parallel aggregate). The DPD columns count the loans
-- whose current_dpd passes each threshold.
    SELECT x.grp,
           count(*) AS loans_on_books,
           coalesce(sum(x.principal_outstanding), 0) AS gross_loan_portfolio,
           coalesce(sum(x.overdue_amount), 0) AS overdue_amount,
           count(*) FILTER (WHERE x.current_dpd > 0) AS loans_in_arrears,
           count(*) FILTER (WHERE x.early_indicator_tagged) AS early_indicator_count,
           coalesce(sum(x.current_dpd), 0) AS dpd_sum,
           count(x.current_dpd) AS dpd_n
           {dpd_columns}
    FROM (
        SELECT {group_key} AS grp, b.principal_outstanding, b.overdue_amount, b.current_dpd,
               b.early_indicator_tagged
        FROM _pf_book b
        WHERE {on_books}
          {filters}
    ) x
    GROUP BY x.grp
