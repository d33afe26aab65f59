-- First-installment-missed counts over every loan disbursed on or before :as_of (not only
-- those still on the books; Pending and Cancelled loans were never disbursed), per group and
-- disbursement month (cohort), with the totals per group, per cohort and overall. The cohort
-- is rendered by portfolio.py: the month, or NULL when the caller wants no cohorts.
-- eligible: the first installment is past due (T > d_1 + grace); tagged: it was missed.
-- One pass grouped by (group, cohort) (a parallel aggregate: GROUPING SETS is not), then the
-- other three groupings summed over its rows.
WITH g AS (
{groups}
)
SELECT g.grp::text, g.cohort, false AS all_groups, false AS all_cohorts, g.eligible, g.tagged
FROM g
WHERE :group_cohorts          -- each group's cohorts, unless the caller does not want them
UNION ALL
SELECT g.grp::text, NULL, false, true, sum(g.eligible)::bigint, sum(g.tagged)::bigint
FROM g GROUP BY g.grp
UNION ALL
SELECT NULL, g.cohort, true, false, sum(g.eligible)::bigint, sum(g.tagged)::bigint
FROM g GROUP BY g.cohort
UNION ALL
SELECT NULL, NULL, true, true, coalesce(sum(g.eligible), 0)::bigint,
       coalesce(sum(g.tagged), 0)::bigint
FROM g
