-- The choices of the pages' filter menus, within the caller's scope: the officers'
-- hierarchy (officers table) and the loans' waves, products, channels and statuses.
-- Unscoped, each loans column's distinct values come from skipping through its index (the
-- next value after the last one, one index probe per value: loans_wave_idx, _product_idx,
-- _channel_idx, _status_idx) instead of reading every loan; scoped, from the scope's loans.
WITH RECURSIVE o AS (
    SELECT officer_id, name, branch, region, supervisor_email, supervisor_name,
           vertical_lead_email, vertical_lead_name
    FROM officers
    WHERE (CAST(:scope AS text[]) IS NULL OR officer_id = ANY(:scope))
), l AS (
    SELECT DISTINCT wave, product, channel, status
    FROM loans
    WHERE CAST(:scope AS text[]) IS NOT NULL AND officer_id = ANY(:scope)
), waves AS (
    SELECT min(wave) AS v FROM loans WHERE CAST(:scope AS text[]) IS NULL
    UNION ALL
    SELECT (SELECT min(wave) FROM loans WHERE wave > w.v) FROM waves w WHERE w.v IS NOT NULL
), products AS (
    SELECT min(product) AS v FROM loans WHERE CAST(:scope AS text[]) IS NULL
    UNION ALL
    SELECT (SELECT min(product) FROM loans WHERE product > p.v) FROM products p
    WHERE p.v IS NOT NULL
), channels AS (
    SELECT min(channel) AS v FROM loans WHERE CAST(:scope AS text[]) IS NULL
    UNION ALL
    SELECT (SELECT min(channel) FROM loans WHERE channel > c.v) FROM channels c
    WHERE c.v IS NOT NULL
), statuses AS (
    SELECT min(status) AS v FROM loans WHERE CAST(:scope AS text[]) IS NULL
    UNION ALL
    SELECT (SELECT min(status) FROM loans WHERE status > s.v) FROM statuses s
    WHERE s.v IS NOT NULL
)
SELECT
    (SELECT coalesce(json_agg(json_build_array(officer_id, coalesce(name, officer_id))
                              ORDER BY name, officer_id), '[]') FROM o) AS officers,
    (SELECT coalesce(json_agg(DISTINCT branch), '[]') FROM o WHERE branch IS NOT NULL) AS branches,
    (SELECT coalesce(json_agg(DISTINCT region), '[]') FROM o WHERE region IS NOT NULL) AS regions,
    (SELECT coalesce(json_agg(json_build_array(e, n) ORDER BY n, e), '[]') FROM (
        SELECT DISTINCT lower(supervisor_email) AS e, coalesce(min(supervisor_name), min(supervisor_email)) AS n
        FROM o WHERE supervisor_email IS NOT NULL GROUP BY lower(supervisor_email)) s) AS supervisors,
    (SELECT coalesce(json_agg(json_build_array(e, n) ORDER BY n, e), '[]') FROM (
        SELECT DISTINCT lower(vertical_lead_email) AS e,
               coalesce(min(vertical_lead_name), min(vertical_lead_email)) AS n
        FROM o WHERE vertical_lead_email IS NOT NULL GROUP BY lower(vertical_lead_email)) v
    ) AS vertical_leads,
    (SELECT coalesce(json_agg(DISTINCT x.v), '[]') FROM (
        SELECT wave FROM l UNION ALL SELECT v FROM waves) x (v) WHERE x.v IS NOT NULL) AS waves,
    (SELECT coalesce(json_agg(DISTINCT x.v), '[]') FROM (
        SELECT product FROM l UNION ALL SELECT v FROM products) x (v)
     WHERE x.v IS NOT NULL) AS products,
    (SELECT coalesce(json_agg(DISTINCT x.v), '[]') FROM (
        SELECT channel FROM l UNION ALL SELECT v FROM channels) x (v)
     WHERE x.v IS NOT NULL) AS channels,
    (SELECT coalesce(json_agg(DISTINCT x.v), '[]') FROM (
        SELECT status FROM l UNION ALL SELECT v FROM statuses) x (v)
     WHERE x.v IS NOT NULL) AS statuses
