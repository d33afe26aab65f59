-- The data version: a counter every statement that changes what the reports read moves on
-- (INSERT, UPDATE, DELETE, TRUNCATE of loans, customers, officers, repayments, schedules,
-- holidays, wave rules). The API caches a summary together with the version it was computed
-- at and recomputes once the version has moved (api/cache.py). A sequence, not a row: writers
-- never wait on each other for it, and reading it is one tuple.
CREATE SEQUENCE data_version;

CREATE FUNCTION bump_data_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval('data_version');
    RETURN NULL;
END $$;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['loans', 'customers', 'officers', 'repayments',
                             'payment_schedules', 'holidays', 'wave_rules'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version()',
                       t || '_data_version', t);
    END LOOP;
END $$;
