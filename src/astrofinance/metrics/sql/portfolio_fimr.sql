-- First-installment-missed counts over every loan disbursed on or before :as_of (not only
-- those still on the books; Pending and Cancelled loans were never disbursed), per group and
-- disbursement month (cohort), with the totals: GROUPING SETS in one pass.
-- eligible: the first installment is past due (T > d_1 + grace); tagged: it was missed.
SELECT x.grp, x.cohort,
       GROUPING(x.grp) = 1 AS all_groups,
       GROUPING(x.cohort) = 1 AS all_cohorts,
       count(*) FILTER (WHERE x.fimr_eligible) AS eligible,
       count(*) FILTER (WHERE x.fimr_eligible AND x.fimr_tagged) AS tagged
FROM (
    SELECT {group_key} AS grp, to_char(b.disbursement_date, 'YYYY-MM') AS cohort,
           b.fimr_eligible, b.fimr_tagged
    FROM _pf_book b
    WHERE b.disbursement_date <= :as_of
      AND b.status NOT IN ('Pending', 'Cancelled')
      {filters}
) x
GROUP BY GROUPING SETS ((), (x.cohort), (x.grp), (x.grp, x.cohort))
