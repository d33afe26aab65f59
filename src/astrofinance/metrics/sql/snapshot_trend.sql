-- The snapshots as a series (metrics/snapshots.py trend): one row per day in :start..:end that
-- has a snapshot, summed over the rows the filters keep. The filters are portfolio.py's
-- (_FILTER_SQL, alias b) over the snapshot's own dimension columns, which carry the loans'
-- values; a day the filters leave empty sums to 0 (a day without a snapshot has no row).
-- The days are read from portfolio_snapshot_days (one row a day, migration 0022), the rows
-- of an officer's loans by the index on (officer_id, as_of).
SELECT d.as_of,
       coalesce(sum(b.loans_on_books), 0) AS loans_on_books,
       coalesce(sum(b.gross_loan_portfolio), 0) AS gross_loan_portfolio,
       coalesce(sum(b.par1_amount), 0) AS par1_amount,
       coalesce(sum(b.par7_amount), 0) AS par7_amount,
       coalesce(sum(b.par30_amount), 0) AS par30_amount,
       coalesce(sum(b.par90_amount), 0) AS par90_amount,
       coalesce(sum(b.overdue_amount), 0) AS overdue_amount,
       coalesce(sum(b.loans_par1), 0) AS loans_par1,
       coalesce(sum(b.loans_par7), 0) AS loans_par7,
       coalesce(sum(b.loans_par30), 0) AS loans_par30,
       coalesce(sum(b.loans_par90), 0) AS loans_par90
FROM (SELECT as_of FROM portfolio_snapshot_days          -- the days with a snapshot
      WHERE as_of BETWEEN :start AND :end) d
LEFT JOIN portfolio_snapshots b ON b.as_of = d.as_of
      {filters}
GROUP BY d.as_of
ORDER BY d.as_of
