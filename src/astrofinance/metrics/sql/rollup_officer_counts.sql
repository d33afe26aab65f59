-- Officer counts of the branch and vertical-lead rollups, per group and in total (ROLLUP):
-- officers with a disbursed loan (not Pending or Cancelled, disbursed by :as_of) in the
-- group, and those with a loan on the books as of :as_of. The group key, the label, the
-- on-the-books rule and the filters are rendered from metrics/portfolio.py's whitelists
-- (GROUP_KEYS, ON_BOOKS_SQL, PortfolioFilters.sql), over loans as `b`.
-- First one row per group and officer (a parallel aggregate over the loans), then the counts
-- over those few rows (count DISTINCT under ROLLUP over every loan sorted them all).
WITH o AS (
{groups}
)
SELECT o.grp,
       GROUPING(o.grp) = 1 AS is_total,
       CASE WHEN GROUPING(o.grp) = 0 THEN min(o.label) END AS label,  -- the total has none
       count(DISTINCT o.officer_id) AS officers,
       count(DISTINCT o.officer_id) FILTER (WHERE o.on_books) AS officers_with_loans_on_books
FROM o
GROUP BY ROLLUP (o.grp)
