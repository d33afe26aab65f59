-- portfolio_fimr.sql's groups read from the loan cube (migration 0024) instead of the loans,
-- when its sums can give them (portfolio.py: the stored date, no disbursement-date filter,
-- no cohorts: the cube has no disbursement month): the shares of the counted loans
-- (disbursed by the date, neither Pending nor Cancelled), per group.
    SELECT x.grp, x.cohort,
           coalesce(sum(x.fimr_eligible), 0)::bigint AS eligible,
           coalesce(sum(x.fimr_tagged), 0)::bigint AS tagged
    FROM (
        SELECT {group_key} AS grp, {cohort} AS cohort, b.fimr_eligible, b.fimr_tagged
        FROM loan_cube b
        WHERE b.fields_as_of = :as_of AND b.counted AND b.loans <> 0
          {filters}
    ) x
    GROUP BY x.grp, x.cohort
