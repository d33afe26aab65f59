-- The file's problem rows, one per (line, kind). Rows with a blocking problem are not applied;
-- a duplicate (same email and same data as an earlier line) is a warning: applied once.
CREATE TEMP TABLE _hier_problems ON COMMIT DROP AS
WITH matches AS (
    SELECT r.line, count(m.officer_id) AS officers
    FROM _hier_rows r LEFT JOIN _hier_match m USING (line)
    GROUP BY r.line
), per_email AS (
    SELECT email, min(line) AS first_line,
           string_agg(line::text, ', ' ORDER BY line) AS lines,
           count(DISTINCT (supervisor_email, supervisor_name, vertical_lead_email,
                           vertical_lead_name, region, branch)) AS variants
    FROM _hier_rows
    WHERE email IS NOT NULL
    GROUP BY email
    HAVING count(*) > 1
)
SELECT r.line, r.email, p.kind, p.detail, p.blocking
FROM _hier_rows r
JOIN matches m USING (line)
LEFT JOIN per_email e USING (email)
LEFT JOIN _hier_branches b ON b.branch_key = lower(r.branch)
CROSS JOIN LATERAL (VALUES
    ('missing_email', 'the row has no email', r.email IS NULL, true),
    ('unknown_email', 'no officer has this email', r.email IS NOT NULL AND m.officers = 0, true),
    ('ambiguous_email', m.officers || ' officers share this email: none updated',
     m.officers > 1, true),
    ('conflict', 'the email is on lines ' || e.lines || ' with different data: none applied',
     e.variants > 1, true),
    ('duplicate', 'same data as line ' || e.first_line || ': applied once',
     e.variants = 1 AND r.line > e.first_line, false),
    ('branch_region_conflict', 'branch ' || r.branch || ' is given regions '
     || array_to_string(b.regions, ', ') || ': rows of that branch not applied',
     cardinality(b.regions) > 1, true)
) AS p(kind, detail, hit, blocking)
WHERE p.hit
