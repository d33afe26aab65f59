-- /metrics: loans on the books as of their stored fields' date (loans.fields_as_of, written by
-- recalculate_all_loan_fields) by CBN prudential class (cbn_classes(), generated from
-- metrics/portfolio_result.py CBN_CLASSES). One pass over loans grouped by days past due, then
-- the few distinct DPD values joined to the five classes; every class has a row.
WITH by_dpd AS (
    SELECT l.current_dpd AS dpd, count(*) AS n, sum(l.principal_outstanding) AS amount
    FROM loans l
    WHERE l.fields_as_of IS NOT NULL AND l.current_dpd IS NOT NULL
      AND loan_on_books(l.status, l.disbursement_date, l.closed_on, l.written_off_on,
                        l.fields_as_of)
    GROUP BY l.current_dpd)
SELECT c.class_key, coalesce(sum(d.n), 0)::bigint AS loans,
       coalesce(sum(d.amount), 0)::numeric(18, 2) AS principal_outstanding
FROM cbn_classes() c
LEFT JOIN by_dpd d ON d.dpd BETWEEN c.min_dpd AND coalesce(c.max_dpd, 2147483647)
GROUP BY c.class_key, c.class_order
ORDER BY c.class_order
