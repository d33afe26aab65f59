-- Apply the plan: one statement, only officers whose hierarchy changes. The officers' trigger
-- (trg_officers_wave_hierarchy) then copies the new hierarchy onto their loans.
UPDATE officers o
SET supervisor_email = p.new_supervisor_email,
    supervisor_name = p.new_supervisor_name,
    vertical_lead_email = p.new_vertical_lead_email,
    vertical_lead_name = p.new_vertical_lead_name,
    region = p.new_region,
    branch = p.new_branch,
    updated_at = now()
FROM _hier_plan p
WHERE o.officer_id = p.officer_id AND p.changed
