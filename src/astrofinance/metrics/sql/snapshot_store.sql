-- One day's portfolio snapshot (metrics/snapshots.py store_snapshot): the loans on the books as
-- of :as_of summed per snapshot grain, read from the temp view _pf_book (the portfolio
-- metrics' relation: the stored fields, or the fields computed as of :as_of) or, as of the
-- stored date, from the loan cube (migration 0024: the same sums, per DPD band). The sums are
-- portfolio_book.sql's: GLP = principal outstanding of the loans on the books, PARx = that of
-- the loans with a DPD over x, overdue_amount (the arrears rate's numerator). snapshots.py
-- renders the rows read, how the loans are counted and which DPD is compared. A dimension the
-- loan lacks is '' (the key is NOT NULL).
-- The day's rows are deleted first, so ON CONFLICT only meets a concurrent writer's rows.
INSERT INTO portfolio_snapshots AS s (
    as_of, officer_id, branch, region, supervisor_email, vertical_lead_email, wave, product,
    gross_loan_portfolio, par1_amount, par7_amount, par30_amount, par90_amount, overdue_amount,
    loans_on_books, loans_par1, loans_par7, loans_par30, loans_par90)
SELECT CAST(:as_of AS date), coalesce(b.officer_id, ''), coalesce(b.branch, ''),
       coalesce(b.region, ''), coalesce(b.supervisor_email, ''),
       coalesce(b.vertical_lead_email, ''), coalesce(b.wave, ''), coalesce(b.product, ''),
       coalesce(sum(b.principal_outstanding), 0),
       coalesce(sum(b.principal_outstanding) FILTER (WHERE {dpd} > 1), 0),
       coalesce(sum(b.principal_outstanding) FILTER (WHERE {dpd} > 7), 0),
       coalesce(sum(b.principal_outstanding) FILTER (WHERE {dpd} > 30), 0),
       coalesce(sum(b.principal_outstanding) FILTER (WHERE {dpd} > 90), 0),
       coalesce(sum(b.overdue_amount), 0),
       {n},
       coalesce({n} FILTER (WHERE {dpd} > 1), 0),
       coalesce({n} FILTER (WHERE {dpd} > 7), 0),
       coalesce({n} FILTER (WHERE {dpd} > 30), 0),
       coalesce({n} FILTER (WHERE {dpd} > 90), 0)
{rows}
GROUP BY 2, 3, 4, 5, 6, 7, 8
ON CONFLICT ON CONSTRAINT portfolio_snapshots_pkey DO UPDATE SET
    gross_loan_portfolio = EXCLUDED.gross_loan_portfolio,
    par1_amount = EXCLUDED.par1_amount, par7_amount = EXCLUDED.par7_amount,
    par30_amount = EXCLUDED.par30_amount, par90_amount = EXCLUDED.par90_amount,
    overdue_amount = EXCLUDED.overdue_amount, loans_on_books = EXCLUDED.loans_on_books,
    loans_par1 = EXCLUDED.loans_par1, loans_par7 = EXCLUDED.loans_par7,
    loans_par30 = EXCLUDED.loans_par30, loans_par90 = EXCLUDED.loans_par90,
    computed_at = now()
