-- The officers of the officer rollup (GET /api/v1/officers): their attributes from the
-- officers table, filtered by metrics/officers.py's whitelist (AND clauses over `o`,
-- scope included; every value bound).
SELECT o.officer_id, o.name, o.email, o.branch, o.region,
       o.supervisor_name, o.supervisor_email, o.vertical_lead_name, o.vertical_lead_email,
       o.status
FROM officers o
WHERE TRUE{where}
ORDER BY o.officer_id
