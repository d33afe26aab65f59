-- The rows of a verticals.tsv as hierarchy.py read them (one per line of the file; NULL where
-- the file has no such column or an empty cell). Emails are lower case without whitespace.
CREATE TEMP TABLE _hier_rows (
    line                 integer PRIMARY KEY,
    email                text,
    supervisor_email     text,
    supervisor_name      text,
    vertical_lead_email  text,
    vertical_lead_name   text,
    region               text,
    branch               text
) ON COMMIT DROP
