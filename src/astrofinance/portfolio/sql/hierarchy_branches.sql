-- The regions the file gives each branch (branches compared case-insensitively). A branch with
-- one region gives it to the officers of that branch; one with more is a conflict.
CREATE TEMP TABLE _hier_branches ON COMMIT DROP AS
SELECT lower(branch) AS branch_key, array_agg(DISTINCT region ORDER BY region) AS regions
FROM _hier_rows
WHERE branch IS NOT NULL AND region IS NOT NULL
GROUP BY lower(branch)
