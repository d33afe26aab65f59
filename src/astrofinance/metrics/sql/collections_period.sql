-- Amount due vs collected over [:date_from, :date_to] (GET /api/v1/collections): per day, per
-- branch, per officer and in total, from the rows of collections_rows.sql (rendered in by
-- collections.py, with the branch as k1 and the officer as k2; a grouping the caller does not
-- want has its key NULL: one row, skipped) summed per day, branch and officer (a parallel
-- aggregate), then GROUPING SETS over those sums (`sets`: 3 = a day, 5 = a branch,
-- 6 = an officer, 7 = the total). The portfolio metrics' collection rate reads the same rows
-- (portfolio_collections.sql); tests/api/test_officers.py holds the two to the same totals.
WITH x AS (
{rows}
), c AS MATERIALIZED (
    SELECT x.day, x.k1 AS g_branch, x.k2 AS g_officer, sum(x.due) AS due,
           sum(x.collected) AS collected
    FROM x
    GROUP BY x.day, x.k1, x.k2
)
SELECT c.day, c.g_branch, c.g_officer,
       GROUPING(c.day, c.g_branch, c.g_officer) AS sets,
       coalesce(sum(c.due), 0) AS due,
       coalesce(sum(c.collected), 0) AS collected
FROM c
GROUP BY GROUPING SETS ((c.day), (c.g_branch), (c.g_officer), ())
