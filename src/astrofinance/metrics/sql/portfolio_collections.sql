-- Collection rate inputs over the period for the filtered loans, per group and in total: the
-- rows of collections_rows.sql (rendered in by portfolio.py, with the group key as k1) summed
-- per group; the total is summed over the groups' rows.
WITH x AS (
{rows}
), g AS (
    SELECT x.k1 AS grp, coalesce(sum(x.collected), 0) AS repaid,
           coalesce(sum(x.due), 0) AS due
    FROM x
    GROUP BY x.k1
)
SELECT g.grp::text, false AS is_total, g.repaid, g.due FROM g
UNION ALL
SELECT NULL, true, coalesce(sum(g.repaid), 0), coalesce(sum(g.due), 0) FROM g
