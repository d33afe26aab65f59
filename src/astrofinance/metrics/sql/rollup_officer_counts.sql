-- Officer counts of the branch and vertical-lead rollups, per group and in total (ROLLUP):
-- officers with a disbursed loan (not Pending or Cancelled, disbursed by :as_of) in the
-- group, and those with a loan on the books as of :as_of. The group key, the label, the
-- on-the-books rule and the filters are rendered from metrics/portfolio.py's whitelists
-- (GROUP_KEYS, ON_BOOKS_SQL, PortfolioFilters.sql), over loans as `b`.
SELECT x.grp,
       GROUPING(x.grp) = 1 AS is_total,
       CASE WHEN GROUPING(x.grp) = 0 THEN min(x.label) END AS label,  -- the total has none
       count(DISTINCT x.officer_id) AS officers,
       count(DISTINCT x.officer_id) FILTER (WHERE x.on_books) AS officers_with_loans_on_books
FROM (
    SELECT {group_key} AS grp, {label} AS label, b.officer_id, {on_books} AS on_books
    FROM loans b
    WHERE b.status NOT IN ('Pending', 'Cancelled')
      AND b.disbursement_date <= :as_of
      {filters}
) x
GROUP BY ROLLUP (x.grp)
