-- Every problem of the file with the row it is about, in file order.
SELECT p.line, p.kind, p.detail, NOT p.blocking AS applied, r.email, r.supervisor_email,
       r.supervisor_name, r.vertical_lead_email, r.vertical_lead_name, r.region, r.branch
FROM _hier_problems p
JOIN _hier_rows r USING (line)
ORDER BY p.line, p.kind
