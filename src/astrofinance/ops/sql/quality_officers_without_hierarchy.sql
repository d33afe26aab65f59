-- Officers with loans but no vertical lead or no region (NULL or blank).
SELECT o.officer_id AS id
FROM officers o
WHERE (nullif(btrim(o.vertical_lead_email), '') IS NULL OR nullif(btrim(o.region), '') IS NULL)
  AND EXISTS (SELECT 1 FROM loans l WHERE l.officer_id = o.officer_id)
