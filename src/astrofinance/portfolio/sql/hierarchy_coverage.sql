-- Hierarchy coverage: officers (all, and those with loans) and loans (the seed guide's
-- coverage query, with region too). Missing hierarchy: no vertical lead or no region (NULL
-- or blank), as `astrofinance verify` counts it.
SELECT o.officers, o.officers_with_vertical_lead, o.officers_with_region,
       o.officers_with_loans, o.officers_with_loans_missing_hierarchy,
       l.total_loans, l.with_vertical_lead, l.with_region,
       ROUND(100.0 * l.with_vertical_lead / NULLIF(l.total_loans, 0), 2) AS coverage_pct,
       ROUND(100.0 * l.with_region / NULLIF(l.total_loans, 0), 2) AS region_coverage_pct
FROM (
    SELECT COUNT(*) AS officers,
           COUNT(vertical_lead_email) AS officers_with_vertical_lead,
           COUNT(region) AS officers_with_region,
           COUNT(*) FILTER (WHERE has_loans) AS officers_with_loans,
           COUNT(*) FILTER (WHERE has_loans AND (nullif(btrim(vertical_lead_email), '') IS NULL
                                                 OR nullif(btrim(region), '') IS NULL))
               AS officers_with_loans_missing_hierarchy
    FROM (SELECT ofc.*, EXISTS (SELECT 1 FROM loans x WHERE x.officer_id = ofc.officer_id)
                 AS has_loans
          FROM officers ofc) s
) o
CROSS JOIN (
    SELECT COUNT(*) AS total_loans, COUNT(vertical_lead_email) AS with_vertical_lead,
           COUNT(region) AS with_region
    FROM loans
) l
