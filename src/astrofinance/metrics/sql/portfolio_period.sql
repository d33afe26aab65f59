-- Loans disbursed and written off in the period [:period_start, :period_end], per group and in
-- total, and how many loans were disbursed by the period start (none: the GLP at the start
-- is 0 without computing it).
SELECT x.grp,
       GROUPING(x.grp) = 1 AS is_total,
       count(*) FILTER (WHERE x.disbursement_date BETWEEN :period_start AND :period_end)
           AS disbursed_count,
       coalesce(sum(x.loan_amount)
                FILTER (WHERE x.disbursement_date BETWEEN :period_start AND :period_end), 0)
           AS disbursed_amount,
       count(*) FILTER (WHERE x.written_off_on BETWEEN :period_start AND :period_end)
           AS written_off_count,
       coalesce(sum(x.written_off_principal)
                FILTER (WHERE x.written_off_on BETWEEN :period_start AND :period_end), 0)
           AS written_off_principal,
       count(*) FILTER (WHERE x.disbursement_date <= :period_start) AS disbursed_by_start
FROM (
    SELECT {group_key} AS grp, b.disbursement_date, b.loan_amount, b.written_off_on,
           b.written_off_principal
    FROM _pf_book b
    WHERE b.status NOT IN ('Pending', 'Cancelled')
      AND b.disbursement_date <= :period_end
      {filters}
) x
GROUP BY ROLLUP (x.grp)
