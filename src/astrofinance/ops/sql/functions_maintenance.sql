-- perform_database_maintenance(): the parts of the maintenance that can run inside a function
-- (the seed design's name; `astrofinance maintenance` calls it between VACUUM and REINDEX,
-- which cannot): ANALYZE of the tables, the materialized views refreshed, the ledger's loans
-- past the DPD threshold marked Defaulted, and PAR30 as of the business day. Returns what it
-- did as JSON.
CREATE OR REPLACE FUNCTION perform_database_maintenance(
    days_threshold integer DEFAULT 90, created_by text DEFAULT 'maintenance')
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_defaulted integer;
    v_par par_result;
    v_started timestamptz := clock_timestamp();
BEGIN
    ANALYZE;
    PERFORM refresh_monthly_financial_summary();
    v_defaulted := mark_defaulted_loans(days_threshold, created_by);
    v_par := calculate_par(30);
    RETURN jsonb_build_object(
        'analyzed', true,
        'views_refreshed', jsonb_build_array('mvw_monthly_financial_summary'),
        'loans_marked_defaulted', v_defaulted,
        'par30', to_jsonb(v_par),
        'milliseconds', round(extract(epoch FROM clock_timestamp() - v_started) * 1000));
END
$$;
