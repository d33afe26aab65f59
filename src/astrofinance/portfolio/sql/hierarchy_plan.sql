-- What the load would do to each officer it touches: the old and new hierarchy, and whether
-- they differ. Officers named by a row without a blocking problem take the row's non-empty
-- values (an empty cell keeps the officer's value); a row without a region takes its branch's
-- region. Officers the file does not name, in a branch the file gives exactly one region, take
-- that region ("region by branch").
CREATE TEMP TABLE _hier_plan ON COMMIT DROP AS
WITH chosen AS (
    SELECT DISTINCT ON (m.officer_id) m.officer_id, r.line, r.supervisor_email,
           r.supervisor_name, r.vertical_lead_email, r.vertical_lead_name, r.region, r.branch
    FROM _hier_rows r
    JOIN _hier_match m USING (line)
    WHERE NOT EXISTS (SELECT 1 FROM _hier_problems p WHERE p.line = r.line AND p.blocking)
    ORDER BY m.officer_id, r.line
), target AS (
    SELECT c.*, 'email' AS via FROM chosen c
    UNION ALL
    SELECT o.officer_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'branch'
    FROM officers o
    JOIN _hier_branches b ON b.branch_key = lower(btrim(o.branch)) AND cardinality(b.regions) = 1
    WHERE NOT EXISTS (SELECT 1 FROM _hier_match m WHERE m.officer_id = o.officer_id)
), planned AS (
    SELECT t.officer_id, t.line, t.via, o.email,
           o.supervisor_email AS old_supervisor_email,
           o.supervisor_name AS old_supervisor_name,
           o.vertical_lead_email AS old_vertical_lead_email,
           o.vertical_lead_name AS old_vertical_lead_name,
           o.region AS old_region,
           o.branch AS old_branch,
           coalesce(t.supervisor_email, o.supervisor_email) AS new_supervisor_email,
           coalesce(t.supervisor_name, o.supervisor_name) AS new_supervisor_name,
           coalesce(t.vertical_lead_email, o.vertical_lead_email) AS new_vertical_lead_email,
           coalesce(t.vertical_lead_name, o.vertical_lead_name) AS new_vertical_lead_name,
           coalesce(t.region, b.regions[1], o.region) AS new_region,
           coalesce(t.branch, o.branch) AS new_branch
    FROM target t
    JOIN officers o USING (officer_id)
    LEFT JOIN _hier_branches b
      ON b.branch_key = lower(btrim(coalesce(t.branch, o.branch))) AND cardinality(b.regions) = 1
)
SELECT p.*,
       (old_supervisor_email, old_supervisor_name, old_vertical_lead_email,
        old_vertical_lead_name, old_region, old_branch)
       IS DISTINCT FROM
       (new_supervisor_email, new_supervisor_name, new_vertical_lead_email,
        new_vertical_lead_name, new_region, new_branch) AS changed
FROM planned p
