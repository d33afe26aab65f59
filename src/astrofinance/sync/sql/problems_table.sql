-- The import's problems: one row per reason a row (or a file) is rejected. Rows found bad in
-- Python are copied in; the relational checks (duplicates, references, cross-column rules)
-- insert theirs. `key` is the id the row carries, so dependent rows can name it.
CREATE TEMP TABLE _imp_problems (
    file         text NOT NULL,
    line         integer NOT NULL,
    column_name  text,
    value        text,
    reason       text NOT NULL,
    key          text,
    row_data     jsonb
) ON COMMIT {on_commit}
