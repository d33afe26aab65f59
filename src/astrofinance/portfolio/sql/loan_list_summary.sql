-- The loans list's total and summary for its filter. On the books, GLP and PAR as
-- shared/spec/metrics.md defines them, over the stored fields (each loan as of its
-- fields_as_of: loan_on_books is the one rule, metrics/sql/functions_risk.sql).
SELECT count(*) AS loans,
       count(*) FILTER (WHERE x.ob) AS loans_on_books,
       coalesce(sum(x.principal_outstanding) FILTER (WHERE x.ob), 0) AS gross_loan_portfolio,
       coalesce(sum(x.total_outstanding), 0) AS total_outstanding,
       coalesce(sum(x.actual_outstanding), 0) AS actual_outstanding,
       coalesce(sum(x.overdue_amount) FILTER (WHERE x.ob), 0) AS overdue_amount,
       count(*) FILTER (WHERE x.ob AND x.current_dpd > 0) AS loans_in_arrears,
       count(*) FILTER (WHERE x.ob AND x.fimr_tagged) AS fimr_tagged,
       count(*) FILTER (WHERE x.ob AND x.early_indicator_tagged) AS early_indicator_tagged,
       avg(x.current_dpd) FILTER (WHERE x.ob) AS avg_dpd,
       min(x.fields_as_of) AS fields_as_of_min,
       max(x.fields_as_of) AS fields_as_of_max{par_columns}
FROM (
    SELECT l.principal_outstanding, l.total_outstanding, l.actual_outstanding,
           l.overdue_amount, l.current_dpd, l.fimr_tagged, l.early_indicator_tagged,
           l.fields_as_of,
           coalesce(loan_on_books(l.status, l.disbursement_date, l.closed_on, l.written_off_on,
                                  l.fields_as_of), false) AS ob
    FROM loans l
    WHERE TRUE{where}
) x
