-- The choices of the pages' filter menus, within the caller's scope: the officers'
-- hierarchy (officers table) and the loans' waves, products, channels and statuses.
WITH o AS (
    SELECT officer_id, name, branch, region, supervisor_email, supervisor_name,
           vertical_lead_email, vertical_lead_name
    FROM officers
    WHERE (CAST(:scope AS text[]) IS NULL OR officer_id = ANY(:scope))
), l AS (
    SELECT DISTINCT wave, product, channel, status
    FROM loans
    WHERE (CAST(:scope AS text[]) IS NULL OR officer_id = ANY(:scope))
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
    (SELECT coalesce(json_agg(DISTINCT wave), '[]') FROM l WHERE wave IS NOT NULL) AS waves,
    (SELECT coalesce(json_agg(DISTINCT product), '[]') FROM l WHERE product IS NOT NULL) AS products,
    (SELECT coalesce(json_agg(DISTINCT channel), '[]') FROM l WHERE channel IS NOT NULL) AS channels,
    (SELECT coalesce(json_agg(DISTINCT status), '[]') FROM l) AS statuses
