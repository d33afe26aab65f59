-- The field-by-field changes the load makes, officer by officer.
SELECT p.officer_id, p.email, p.via, c.field, c.old_value, c.new_value
FROM _hier_plan p
CROSS JOIN LATERAL (VALUES
    ('supervisor_email', p.old_supervisor_email, p.new_supervisor_email),
    ('supervisor_name', p.old_supervisor_name, p.new_supervisor_name),
    ('vertical_lead_email', p.old_vertical_lead_email, p.new_vertical_lead_email),
    ('vertical_lead_name', p.old_vertical_lead_name, p.new_vertical_lead_name),
    ('region', p.old_region, p.new_region),
    ('branch', p.old_branch, p.new_branch)
) AS c(field, old_value, new_value)
WHERE p.changed AND c.old_value IS DISTINCT FROM c.new_value
ORDER BY p.officer_id, c.field
