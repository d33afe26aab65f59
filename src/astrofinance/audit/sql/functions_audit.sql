-- The audit log's triggers (docs/users-and-audit.md). Tables: audit_logs, audit_tables
-- (db/sql/0004_auth_audit.sql).
--
--   audit_attach(table, key [, ignore [, mask]])  equip a table (again: replaces its triggers)
--   audit_detach(table)                           take them off
--   audit_refresh([table])                        re-attach with the stored arguments (after
--                                                 ALTER TABLE ADD COLUMN on a table with ignore)
--   audit_purge(before)                           delete older rows (the log is append-only)
--
-- Who: audit_actor() = the transaction's application user, set by the application with
-- set_config('astrofinance.user', name, true); unset, 'db:' || session_user.
--
-- Row by row, set-based: INSERT and DELETE are statement triggers reading the transition
-- table: one INSERT ... SELECT per statement. UPDATE likewise pairs OLD and NEW rows by the
-- key and keeps only the columns that changed. A table with ignored columns gets a row
-- trigger instead, AFTER UPDATE OF <the other columns> WHEN they differ: an UPDATE that sets
-- only ignored columns (the daily recalculation of loans' fields) fires nothing and captures
-- no transition rows at all.
--
-- Summaries: with set_config('astrofinance.audit', 'bulk', true) (a sync, an import, the demo
-- seed) each statement writes ONE row per table (action BULK, new_values {"operation",
-- "rows", "description"}; the description from 'astrofinance.audit_description'). So does a
-- statement run by another trigger (pg_trigger_depth() > 1) that changes more than
-- audit_cascade_limit() rows, e.g. a holiday that regenerates thousands of schedules: the
-- change that caused it is logged row by row.

CREATE OR REPLACE FUNCTION audit_actor() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('astrofinance.user', true), ''),
                    'db:' || session_user)
$$;

CREATE OR REPLACE FUNCTION audit_bulk_mode() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('astrofinance.audit', true) = 'bulk', false)
$$;

-- Rows above which a statement run by a trigger is summarised.
CREATE OR REPLACE FUNCTION audit_cascade_limit() RETURNS integer LANGUAGE sql IMMUTABLE AS $$
    SELECT 1000
$$;

-- One BULK row for a statement of p_rows rows (none for an empty statement).
CREATE OR REPLACE FUNCTION audit_bulk(p_table text, p_operation text, p_rows bigint)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO audit_logs (table_name, action, new_values, changed_by)
    SELECT p_table, 'BULK',
           jsonb_build_object(
               'operation', p_operation, 'rows', p_rows,
               'description',
               coalesce(nullif(current_setting('astrofinance.audit_description', true), ''),
                        CASE WHEN audit_bulk_mode() THEN 'bulk load'
                             ELSE 'written by a trigger' END)),
           audit_actor()
    WHERE p_rows > 0
$$;

-- Masked columns' values are never stored: '***' where the row has a value.
CREATE OR REPLACE FUNCTION audit_mask(p_values jsonb, p_mask text[])
RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_values IS NULL OR cardinality(p_mask) = 0 THEN p_values
                ELSE p_values || coalesce(
                    (SELECT jsonb_object_agg(m, '***'::text) FROM unnest(p_mask) AS m
                     WHERE jsonb_typeof(p_values -> m) <> 'null'), '{}') END
$$;

-- The columns that differ between two versions of a row, as (old, new) objects; a masked
-- column that changed shows as "***" -> "changed". A row without a partner (its key changed)
-- keeps all its values on its own side.
CREATE OR REPLACE FUNCTION audit_diff(p_old jsonb, p_new jsonb, p_mask text[],
                                      OUT old_values jsonb, OUT new_values jsonb)
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_old IS NULL THEN NULL
                WHEN p_new IS NULL THEN audit_mask(p_old, p_mask) ELSE d.o END,
           CASE WHEN p_new IS NULL THEN NULL
                WHEN p_old IS NULL THEN audit_mask(p_new, p_mask) ELSE d.n END
    FROM (SELECT jsonb_object_agg(x.k, CASE WHEN x.k = ANY (p_mask) THEN '"***"'::jsonb
                                            ELSE x.o END) AS o,
                 jsonb_object_agg(x.k, CASE WHEN x.k = ANY (p_mask) THEN '"changed"'::jsonb
                                            ELSE x.n END) AS n
          FROM (SELECT coalesce(a.key, b.key) AS k, a.value AS o, b.value AS n
                FROM jsonb_each(p_old) a FULL JOIN jsonb_each(p_new) b ON a.key = b.key
                WHERE a.value IS DISTINCT FROM b.value) x) d
$$;

-- A row's record id: its key columns' values, joined by '/' when there are several.
CREATE OR REPLACE FUNCTION audit_record_id(p_row jsonb, p_key text[])
RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT string_agg(p_row ->> k, '/' ORDER BY i) FROM unnest(p_key) WITH ORDINALITY AS u(k, i)
$$;

-- The same as SQL over a row's jsonb `j` (for the set-based statements below).
CREATE OR REPLACE FUNCTION audit_key_sql(p_key text[]) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN cardinality(p_key) = 1 THEN format('j ->> %L', p_key[1])
                ELSE 'concat_ws(''/'', '
                     || (SELECT string_agg(format('j ->> %L', k), ', ' ORDER BY i)
                         FROM unnest(p_key) WITH ORDINALITY AS u(k, i)) || ')' END
$$;

-- Rows of a transition table as (k, j): record id and values without the ignored columns.
CREATE OR REPLACE FUNCTION audit_rows_sql(p_transition text, p_key text[], p_ignore text[])
RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT format('SELECT %s AS k, %s AS j FROM (SELECT to_jsonb(t) AS j FROM %I t) s',
                  audit_key_sql(p_key),
                  CASE WHEN cardinality(p_ignore) = 0 THEN 'j' ELSE format('j - %L::text[]', p_ignore) END,
                  p_transition)
$$;

-- The set-based statement that logs one INSERT, UPDATE or DELETE statement's rows; its
-- parameters: $1 table name, $2 masked columns, $3 the actor. UPDATE pairs old and new rows
-- by the key and leaves out rows that did not change; a row whose key changed has no
-- partner and shows as two rows (the old key with its old values, the new one with its new).
CREATE OR REPLACE FUNCTION audit_statement_sql(p_op text, p_key text[], p_ignore text[])
RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_op
        WHEN 'INSERT' THEN format(
            'INSERT INTO audit_logs (table_name, record_id, action, new_values, changed_by) '
            'SELECT $1, r.k, ''INSERT'', audit_mask(r.j, $2), $3 FROM (%s) r',
            audit_rows_sql('new_rows', p_key, p_ignore))
        WHEN 'DELETE' THEN format(
            'INSERT INTO audit_logs (table_name, record_id, action, old_values, changed_by) '
            'SELECT $1, r.k, ''DELETE'', audit_mask(r.j, $2), $3 FROM (%s) r',
            audit_rows_sql('old_rows', p_key, p_ignore))
        ELSE format(
            'INSERT INTO audit_logs (table_name, record_id, action, old_values, new_values, '
            '                        changed_by) '
            'SELECT $1, coalesce(n.k, o.k), ''UPDATE'', d.old_values, d.new_values, $3 '
            'FROM (%s) n FULL JOIN (%s) o ON o.k = n.k '
            'CROSS JOIN LATERAL audit_diff(o.j, n.j, $2) d '
            'WHERE o.j IS DISTINCT FROM n.j',
            audit_rows_sql('new_rows', p_key, p_ignore),
            audit_rows_sql('old_rows', p_key, p_ignore)) END
$$;

-- The statement triggers of INSERT, UPDATE and DELETE (each reads the transition tables its
-- event has). Arguments, written by audit_attach: key columns, ignored columns, masked
-- columns (text[] literals).
CREATE OR REPLACE FUNCTION audit_statement() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_rows bigint;
BEGIN
    IF audit_bulk_mode() OR pg_trigger_depth() > 1 THEN
        IF TG_OP = 'DELETE' THEN
            SELECT count(*) INTO v_rows FROM old_rows;
        ELSE
            SELECT count(*) INTO v_rows FROM new_rows;
        END IF;
        IF audit_bulk_mode() OR v_rows > audit_cascade_limit() THEN
            PERFORM audit_bulk(TG_TABLE_NAME, TG_OP, v_rows);
            RETURN NULL;
        END IF;
    END IF;
    EXECUTE audit_statement_sql(TG_OP, TG_ARGV[0]::text[], TG_ARGV[1]::text[])
        USING TG_TABLE_NAME, TG_ARGV[2]::text[], audit_actor();
    RETURN NULL;
END $$;

-- Row-level UPDATE (tables with ignored columns; the trigger's WHEN has already checked that
-- an audited column differs). In bulk mode it only counts; audit_row_flush() writes the sum.
CREATE OR REPLACE FUNCTION audit_row_updated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_old jsonb;
    v_new jsonb;
    v_pending text;
    d record;
BEGIN
    IF audit_bulk_mode() THEN
        v_pending := 'astrofinance.audit_pending_' || TG_RELID;
        PERFORM set_config(v_pending, (coalesce(nullif(current_setting(v_pending, true), ''),
                                                '0')::bigint + 1)::text, true);
        RETURN NULL;
    END IF;
    v_old := to_jsonb(OLD) - TG_ARGV[1]::text[];
    v_new := to_jsonb(NEW) - TG_ARGV[1]::text[];
    SELECT * INTO d FROM audit_diff(v_old, v_new, TG_ARGV[2]::text[]);
    INSERT INTO audit_logs (table_name, record_id, action, old_values, new_values, changed_by)
    VALUES (TG_TABLE_NAME, audit_record_id(v_new, TG_ARGV[0]::text[]), 'UPDATE',
            d.old_values, d.new_values, audit_actor());
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION audit_row_flush() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_pending text := 'astrofinance.audit_pending_' || TG_RELID;
    v_rows bigint := coalesce(nullif(current_setting(v_pending, true), ''), '0')::bigint;
BEGIN
    IF v_rows > 0 THEN
        PERFORM set_config(v_pending, '0', true);
        PERFORM audit_bulk(TG_TABLE_NAME, TG_OP, v_rows);
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION audit_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_logs (table_name, action, new_values, changed_by)
    VALUES (TG_TABLE_NAME, 'TRUNCATE',
            jsonb_strip_nulls(jsonb_build_object(
                'description',
                nullif(current_setting('astrofinance.audit_description', true), ''))),
            audit_actor());
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION audit_detach(p_table regclass) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_trigger text;
BEGIN
    FOREACH v_trigger IN ARRAY ARRAY['audit_insert', 'audit_update', 'audit_update_bulk',
                                     'audit_delete', 'audit_truncate'] LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', v_trigger, p_table);
    END LOOP;
    DELETE FROM audit_tables
    WHERE table_name = (SELECT relname::text FROM pg_class WHERE oid = p_table);
END $$;

-- Equip a table with the audit triggers. p_key: the primary-key column(s) whose values make
-- the record id (comma-separated for a composite key); p_ignore: columns whose changes alone
-- are not audited and which are left out of the values; p_mask: columns whose values are
-- never stored (a change shows as "changed").
CREATE OR REPLACE FUNCTION audit_attach(p_table regclass, p_key text,
                                        p_ignore text[] DEFAULT '{}',
                                        p_mask text[] DEFAULT '{}')
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_key text[] := string_to_array(regexp_replace(p_key, '\s', '', 'g'), ',');
    v_name text := (SELECT relname::text FROM pg_class WHERE oid = p_table);
    v_cols text[];
    v_bad text[];
    v_args text;
    v_audited text[];
BEGIN
    p_ignore := coalesce(p_ignore, '{}');
    p_mask := coalesce(p_mask, '{}');
    SELECT array_agg(attname::text ORDER BY attnum) INTO v_cols
    FROM pg_attribute WHERE attrelid = p_table AND attnum > 0 AND NOT attisdropped;
    SELECT array_agg(c) INTO v_bad FROM unnest(v_key || p_ignore || p_mask) AS c
    WHERE c <> ALL (v_cols);
    IF cardinality(v_key) IS NULL OR cardinality(v_key) = 0 OR v_bad IS NOT NULL THEN
        RAISE EXCEPTION 'audit_attach(%): unknown column(s) % (the columns are %)',
            p_table, coalesce(v_bad, '{""}'), v_cols;
    END IF;
    IF v_key && p_ignore THEN
        RAISE EXCEPTION 'audit_attach(%): a key column cannot be ignored', p_table;
    END IF;
    PERFORM audit_detach(p_table);
    v_args := format('%L, %L, %L', v_key, p_ignore, p_mask);
    EXECUTE format('CREATE TRIGGER audit_insert AFTER INSERT ON %s REFERENCING NEW TABLE AS '
                   'new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_statement(%s)',
                   p_table, v_args);
    EXECUTE format('CREATE TRIGGER audit_delete AFTER DELETE ON %s REFERENCING OLD TABLE AS '
                   'old_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_statement(%s)',
                   p_table, v_args);
    EXECUTE format('CREATE TRIGGER audit_truncate AFTER TRUNCATE ON %s '
                   'FOR EACH STATEMENT EXECUTE FUNCTION audit_truncated()', p_table);
    IF cardinality(p_ignore) = 0 THEN
        EXECUTE format('CREATE TRIGGER audit_update AFTER UPDATE ON %s REFERENCING OLD TABLE '
                       'AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT '
                       'EXECUTE FUNCTION audit_statement(%s)', p_table, v_args);
    ELSE
        SELECT array_agg(quote_ident(attname::text) ORDER BY attnum) INTO v_audited
        FROM pg_attribute
        WHERE attrelid = p_table AND attnum > 0 AND NOT attisdropped AND attgenerated = ''
          AND attname::text <> ALL (p_ignore);
        EXECUTE format('CREATE TRIGGER audit_update AFTER UPDATE OF %s ON %s FOR EACH ROW '
                       'WHEN ((%s) IS DISTINCT FROM (%s)) '
                       'EXECUTE FUNCTION audit_row_updated(%s)',
                       array_to_string(v_audited, ', '), p_table,
                       (SELECT string_agg('OLD.' || c, ', ') FROM unnest(v_audited) AS c),
                       (SELECT string_agg('NEW.' || c, ', ') FROM unnest(v_audited) AS c),
                       v_args);
        EXECUTE format('CREATE TRIGGER audit_update_bulk AFTER UPDATE OF %s ON %s '
                       'FOR EACH STATEMENT EXECUTE FUNCTION audit_row_flush()',
                       array_to_string(v_audited, ', '), p_table);
    END IF;
    INSERT INTO audit_tables (table_name, key_columns, ignored, masked)
    VALUES (v_name, v_key, p_ignore, p_mask);
END $$;

-- Re-attach with the stored arguments (one table, or all): after columns were added to a
-- table whose UPDATE trigger lists its audited columns.
CREATE OR REPLACE FUNCTION audit_refresh(p_table regclass DEFAULT NULL)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    t record;
    v_n integer := 0;
BEGIN
    FOR t IN SELECT * FROM audit_tables
             WHERE p_table IS NULL
                OR table_name = (SELECT relname::text FROM pg_class WHERE oid = p_table)
             ORDER BY table_name LOOP
        PERFORM audit_attach(t.table_name::regclass, array_to_string(t.key_columns, ','),
                             t.ignored, t.masked);
        v_n := v_n + 1;
    END LOOP;
    RETURN v_n;
END $$;

-- Retention: delete the rows older than a time; the purge itself is logged (a BULK row).
CREATE OR REPLACE FUNCTION audit_purge(p_before timestamptz) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_rows bigint;
BEGIN
    PERFORM set_config('astrofinance.audit_purge', 'on', true);
    DELETE FROM audit_logs WHERE changed_at < p_before;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    PERFORM set_config('astrofinance.audit_purge', '', true);
    INSERT INTO audit_logs (table_name, action, new_values, changed_by)
    VALUES ('audit_logs', 'BULK',
            jsonb_build_object('operation', 'DELETE', 'rows', v_rows,
                               'description', format('audit_purge(%s)', p_before)),
            audit_actor());
    RETURN v_rows;
END $$;
