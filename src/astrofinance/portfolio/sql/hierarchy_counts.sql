-- The load's counts, before anything is written. loans_to_follow: the loans whose hierarchy
-- trg_officers_wave_hierarchy will change when their officers are updated.
SELECT (SELECT count(*) FROM _hier_rows) AS rows_read,
       count(*) FILTER (WHERE p.via = 'email') AS matched,
       count(*) FILTER (WHERE p.via = 'email' AND p.changed) AS updated,
       count(*) FILTER (WHERE p.via = 'branch' AND p.changed) AS region_by_branch,
       (SELECT count(*)
        FROM loans l JOIN _hier_plan q ON q.officer_id = l.officer_id AND q.changed
        WHERE (l.supervisor_email, l.supervisor_name, l.vertical_lead_email,
               l.vertical_lead_name, l.region, l.branch)
              IS DISTINCT FROM
              (q.new_supervisor_email, q.new_supervisor_name, q.new_vertical_lead_email,
               q.new_vertical_lead_name, q.new_region, q.new_branch)) AS loans_to_follow
FROM _hier_plan p
