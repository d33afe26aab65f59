-- The book-wide trend (metrics/snapshots.py trend, no filter): the day totals of
-- portfolio_snapshot_days (migration 0022), which triggers keep equal to the sums of each
-- day's snapshot rows, so 90 days are 90 rows, not every row of every day. The columns are
-- snapshot_trend.sql's.
SELECT d.as_of, d.loans_on_books, d.gross_loan_portfolio, d.par1_amount, d.par7_amount,
       d.par30_amount, d.par90_amount, d.overdue_amount, d.loans_par1, d.loans_par7,
       d.loans_par30, d.loans_par90
FROM portfolio_snapshot_days d
WHERE d.as_of BETWEEN :start AND :end
ORDER BY d.as_of
