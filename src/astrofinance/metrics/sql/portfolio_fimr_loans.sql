-- portfolio_fimr.sql's groups read from the loans: one pass over the loans disbursed by
-- :as_of grouped by (group, cohort) (a parallel aggregate).
    SELECT x.grp, x.cohort,
           count(*) FILTER (WHERE x.fimr_eligible) AS eligible,
           count(*) FILTER (WHERE x.fimr_eligible AND x.fimr_tagged) AS tagged
    FROM (
        SELECT {group_key} AS grp, {cohort} AS cohort,
               b.fimr_eligible, b.fimr_tagged
        FROM _pf_book b
        WHERE b.disbursement_date <= :as_of
          AND b.status NOT IN ('Pending', 'Cancelled')
          {filters}
    ) x
    GROUP BY x.grp, x.cohort
