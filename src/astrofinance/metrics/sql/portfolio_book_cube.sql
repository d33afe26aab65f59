-- portfolio_book.sql's groups read from the loan cube (migration 0024) instead of the loans,
-- when its sums can give them (portfolio.py: the stored date, no disbursement-date filter,
-- PAR thresholds on the DPD bands' edges): the same columns, summed over the shares of the
-- loans on the books. The DPD columns sum the shares whose band (dpd_lo, its lowest DPD)
-- passes each threshold. A share's row whose loans all moved away (loans 0) is skipped: it
-- would make an empty group.
    SELECT x.grp,
           coalesce(sum(x.loans), 0)::bigint AS loans_on_books,
           coalesce(sum(x.principal_outstanding), 0) AS gross_loan_portfolio,
           coalesce(sum(x.overdue_amount), 0) AS overdue_amount,
           coalesce(sum(x.loans) FILTER (WHERE x.dpd_lo > 0), 0)::bigint AS loans_in_arrears,
           coalesce(sum(x.early_indicators), 0)::bigint AS early_indicator_count,
           coalesce(sum(x.dpd_sum), 0)::bigint AS dpd_sum,
           coalesce(sum(x.dpd_n), 0)::bigint AS dpd_n
           {dpd_columns}
    FROM (
        SELECT {group_key} AS grp, b.loans, b.principal_outstanding, b.overdue_amount,
               b.dpd_lo, b.dpd_sum, b.dpd_n, b.early_indicators
        FROM loan_cube b
        WHERE b.fields_as_of = :as_of AND b.on_books AND b.loans <> 0
          {filters}
    ) x
    GROUP BY x.grp
