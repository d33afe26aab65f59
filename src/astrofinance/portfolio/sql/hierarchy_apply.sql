-- Copy the hierarchy from officers onto their loans (the seed guide's UPDATE, with the columns
-- trg_officers_wave_hierarchy keeps in step), rewriting only the loans that differ.
UPDATE loans l
SET branch = o.branch,
    region = o.region,
    supervisor_email = o.supervisor_email,
    supervisor_name = o.supervisor_name,
    vertical_lead_email = o.vertical_lead_email,
    vertical_lead_name = o.vertical_lead_name
FROM officers o
WHERE l.officer_id = o.officer_id
  AND (l.branch, l.region, l.supervisor_email, l.supervisor_name, l.vertical_lead_email,
       l.vertical_lead_name)
      IS DISTINCT FROM
      (o.branch, o.region, o.supervisor_email, o.supervisor_name, o.vertical_lead_email,
       o.vertical_lead_name)
