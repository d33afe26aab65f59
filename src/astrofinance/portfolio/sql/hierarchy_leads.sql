-- The vertical leads with their officers and loans (officers' and loans' own columns; the
-- NULL lead collects those without one).
WITH o AS (
    SELECT vertical_lead_email AS email, min(vertical_lead_name) AS name, count(*) AS officers
    FROM officers GROUP BY vertical_lead_email
), l AS (
    SELECT vertical_lead_email AS email, min(vertical_lead_name) AS name, count(*) AS loans
    FROM loans GROUP BY vertical_lead_email
)
SELECT coalesce(o.email, l.email) AS vertical_lead_email,
       coalesce(o.name, l.name) AS vertical_lead_name,
       coalesce(o.officers, 0) AS officers,
       coalesce(l.loans, 0) AS loans
FROM o FULL JOIN l ON coalesce(o.email, '') = coalesce(l.email, '')
ORDER BY vertical_lead_email NULLS LAST
