-- Settings the SQL rules read, and the business-day calendar.

-- Its table is named with its schema, as is business_today()'s call of it: a materialized view
-- refreshed by pg_restore (with an empty search_path) calls them (migration 0016).
CREATE OR REPLACE FUNCTION app_setting(p_key text, p_default text DEFAULT NULL)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT value FROM public.app_settings WHERE key = p_key), p_default)
$$;

-- Upsert settings from a JSON object; true when the work week changed (calendar to rebuild)
-- or the calendar was never built.
CREATE OR REPLACE FUNCTION apply_app_settings(p_values jsonb)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    v_old_week text := app_setting('work_week');
BEGIN
    INSERT INTO app_settings (key, value)
    SELECT key, value FROM jsonb_each_text(p_values)
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()
        WHERE app_settings.value IS DISTINCT FROM EXCLUDED.value;
    RETURN v_old_week IS DISTINCT FROM app_setting('work_week')
        OR NOT EXISTS (SELECT 1 FROM business_calendar);
END $$;

-- The work week as ISO weekday numbers (1 = Monday ... 7 = Sunday); default Monday to Friday.
CREATE OR REPLACE FUNCTION work_week_days()
RETURNS integer[] LANGUAGE sql STABLE AS $$
    SELECT string_to_array(app_setting('work_week', '1,2,3,4,5'), ',')::integer[]
$$;

-- Rebuild business_calendar from the work week and the company-wide holidays, 1990..2100.
CREATE OR REPLACE FUNCTION rebuild_business_calendar()
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    v_week integer[] := work_week_days();
    v_rows integer;
BEGIN
    DELETE FROM business_calendar;
    INSERT INTO business_calendar (day, is_business_day, business_day_index, next_business_day)
    SELECT c.day, c.is_bd,
           count(*) FILTER (WHERE c.is_bd) OVER (ORDER BY c.day)::integer,
           coalesce(min(c.day) FILTER (WHERE c.is_bd)
                        OVER (ORDER BY c.day DESC ROWS UNBOUNDED PRECEDING), c.day)
    FROM (
        SELECT d::date AS day,
               extract(isodow FROM d)::integer = ANY (v_week)
               AND NOT EXISTS (SELECT 1 FROM holidays h
                               WHERE h.holiday_date = d::date AND h.officer_id IS NULL) AS is_bd
        FROM generate_series(DATE '1990-01-01', DATE '2100-12-31', interval '1 day') AS d
    ) c;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END $$;

-- A holiday added, moved or removed: rebuild the calendar, then regenerate the generated
-- schedules whose span [first due date, last due date] contains a changed date.
CREATE OR REPLACE FUNCTION holidays_apply(p_dates date[])
RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
    PERFORM rebuild_business_calendar();
    RETURN generate_loan_schedules(ARRAY(
        SELECT l.loan_id FROM loans l
        WHERE l.schedule_source = 'generated' AND l.first_payment_due_date IS NOT NULL
          AND EXISTS (SELECT 1 FROM unnest(p_dates) d
                      WHERE d >= l.first_payment_due_date
                        AND d <= coalesce((SELECT max(s.due_date) FROM payment_schedules s
                                           WHERE s.loan_id = l.loan_id), d))));
END $$;

-- One function for the three statement triggers; each reads only the transition tables its
-- event has. Officer-specific holidays do not change the company calendar.
CREATE OR REPLACE FUNCTION holidays_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_dates date[] := '{}';
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        v_dates := v_dates || ARRAY(SELECT holiday_date FROM new_rows WHERE officer_id IS NULL);
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        v_dates := v_dates || ARRAY(SELECT holiday_date FROM old_rows WHERE officer_id IS NULL);
    END IF;
    IF cardinality(v_dates) > 0 THEN  -- nothing company-wide changed: nothing to rebuild
        PERFORM holidays_apply(v_dates);
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER trg_holidays_inserted AFTER INSERT ON holidays
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION holidays_changed();
CREATE OR REPLACE TRIGGER trg_holidays_deleted AFTER DELETE ON holidays
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION holidays_changed();
CREATE OR REPLACE TRIGGER trg_holidays_updated AFTER UPDATE ON holidays
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION holidays_changed();
