-- Which officers each row names: emails compared in lower case with all whitespace removed
-- (an email cannot contain whitespace, so this is safe), on both sides.
CREATE TEMP TABLE _hier_match ON COMMIT DROP AS
SELECT r.line, o.officer_id
FROM _hier_rows r
JOIN officers o ON lower(regexp_replace(o.email, '\s', '', 'g')) = r.email
