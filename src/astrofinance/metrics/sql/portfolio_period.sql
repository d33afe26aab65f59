-- Loans disbursed and written off in the period [:period_start, :period_end], per group and in
-- total, and how many loans were disbursed by the period start (none: the GLP at the start
-- is 0 without computing it). One pass grouped by the group key (a parallel aggregate), then
-- the total summed over the groups' rows. portfolio.py renders the count by the period start
-- only where the write-off ratio needs it; otherwise it is 0 and only the loans disbursed or
-- written off in the period are read, by the indexes on those dates (period_rows).
WITH g AS (
    SELECT x.grp,
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
           {disbursed_by_start} AS disbursed_by_start
    FROM (
        SELECT {group_key} AS grp, b.disbursement_date, b.loan_amount, b.written_off_on,
               b.written_off_principal
        FROM _pf_book b
        WHERE b.status NOT IN ('Pending', 'Cancelled')
          AND b.disbursement_date <= :period_end
          {period_rows}
          {filters}
    ) x
    GROUP BY x.grp
)
SELECT g.grp::text, false AS is_total, g.disbursed_count, g.disbursed_amount,
       g.written_off_count, g.written_off_principal, g.disbursed_by_start
FROM g
UNION ALL
SELECT NULL, true, coalesce(sum(g.disbursed_count), 0)::bigint,
       coalesce(sum(g.disbursed_amount), 0), coalesce(sum(g.written_off_count), 0)::bigint,
       coalesce(sum(g.written_off_principal), 0), coalesce(sum(g.disbursed_by_start), 0)::bigint
FROM g
