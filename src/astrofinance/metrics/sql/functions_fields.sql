-- The per-loan computed fields of shared/spec/metrics.md: ONE implementation, in SQL, used by
-- the CLI, the API and psql alike.
--
--   refresh_paid_dates()               m_i and the repayment summary of loans marked stale
--   compute_loan_fields(as_of)         the fields of every loan as of a date (no writes to loans)
--   recalculate_all_loan_fields(as_of) stores them in loans; returns the seed guide's triple
--
-- Incremental by design: m_i (payment_schedules.paid_on, the date installment i became fully
-- paid) changes only when the loan's repayments or schedule change, so it is kept per loan and
-- recomputed only for loans in stale_loans (filled by the triggers below and by schedule
-- generation). A recalculation as of another day then reads schedules and summaries only.

CREATE OR REPLACE FUNCTION business_today()
RETURNS date LANGUAGE sql STABLE AS $$
    SELECT (now() AT TIME ZONE app_setting('timezone', 'Africa/Lagos'))::date
$$;

-- Repayments changed: their loans' paid dates and summaries must be recomputed.
CREATE OR REPLACE FUNCTION repayments_mark_stale_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stale_loans (loan_id) SELECT DISTINCT loan_id FROM new_rows
    ON CONFLICT (loan_id) DO NOTHING;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION repayments_mark_stale_old() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stale_loans (loan_id) SELECT DISTINCT loan_id FROM old_rows
    ON CONFLICT (loan_id) DO NOTHING;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION repayments_mark_stale_both() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stale_loans (loan_id)
    SELECT loan_id FROM new_rows UNION SELECT loan_id FROM old_rows
    ON CONFLICT (loan_id) DO NOTHING;
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER trg_repayments_stale_ins AFTER INSERT ON repayments
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION repayments_mark_stale_new();
CREATE OR REPLACE TRIGGER trg_repayments_stale_del AFTER DELETE ON repayments
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION repayments_mark_stale_old();
CREATE OR REPLACE TRIGGER trg_repayments_stale_upd AFTER UPDATE ON repayments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION repayments_mark_stale_both();

-- Loan terms changed: regenerate a generated schedule (which marks the loan stale). A row
-- trigger limited to the term columns, so the recalculation's updates never fire it.
CREATE OR REPLACE FUNCTION loans_terms_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.schedule_source = 'generated' THEN
        PERFORM generate_loan_schedules(ARRAY[NEW.loan_id]);
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER trg_loans_terms_changed
    AFTER UPDATE OF loan_amount, interest_amount, fee_amount, installments, frequency,
                    first_payment_due_date, schedule_source ON loans
    FOR EACH ROW
    WHEN ((NEW.loan_amount, NEW.interest_amount, NEW.fee_amount, NEW.installments,
           NEW.frequency, NEW.first_payment_due_date, NEW.schedule_source)
          IS DISTINCT FROM
          (OLD.loan_amount, OLD.interest_amount, OLD.fee_amount, OLD.installments,
           OLD.frequency, OLD.first_payment_due_date, OLD.schedule_source))
    EXECUTE FUNCTION loans_terms_changed();

-- m_i for every installment of the stale loans, and their repayment summaries.
-- m_i = the first date on which cumulative non-reversed repayments reached a_1 + ... + a_i
-- (payment_schedules.cumulative_due). Cumulative repayments only grow with the date, so m_i is
-- the smallest payment date whose running total is >= the threshold: one ordered pass per loan
-- over its payment days and installment thresholds (running minimum from the largest amount).
CREATE OR REPLACE FUNCTION refresh_paid_dates()
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    v_loans integer;
BEGIN
    DROP TABLE IF EXISTS _stale;
    CREATE TEMP TABLE _stale (loan_id text PRIMARY KEY) ON COMMIT DROP;
    WITH d AS (DELETE FROM stale_loans RETURNING loan_id)
    INSERT INTO _stale SELECT d.loan_id FROM d JOIN loans l USING (loan_id);
    GET DIAGNOSTICS v_loans = ROW_COUNT;
    IF v_loans = 0 THEN
        RETURN 0;
    END IF;
    ANALYZE _stale;

    DELETE FROM loan_repayment_summary s USING _stale x WHERE s.loan_id = x.loan_id;
    INSERT INTO loan_repayment_summary (loan_id, repaid_total, first_repayment_date,
                                        last_repayment_date)
    SELECT r.loan_id, sum(r.payment_amount), min(r.payment_date), max(r.payment_date)
    FROM repayments r JOIN _stale x USING (loan_id)
    WHERE NOT r.is_reversed
    GROUP BY r.loan_id;

    UPDATE payment_schedules s SET paid_on = p.m
    FROM (
        SELECT e.loan_id, e.installment_no,
               min(e.payment_date) OVER (PARTITION BY e.loan_id
                                         ORDER BY e.amount DESC, e.kind DESC
                                         ROWS UNBOUNDED PRECEDING) AS m,
               e.kind
        FROM (
            SELECT loan_id, sum(amt) OVER (PARTITION BY loan_id ORDER BY payment_date) AS amount,
                   1 AS kind, payment_date, NULL::integer AS installment_no
            FROM (SELECT r.loan_id, r.payment_date, sum(r.payment_amount) AS amt
                  FROM repayments r JOIN _stale x USING (loan_id)
                  WHERE NOT r.is_reversed
                  GROUP BY r.loan_id, r.payment_date) days
            UNION ALL
            SELECT s2.loan_id, s2.cumulative_due, 0, NULL::date, s2.installment_no
            FROM payment_schedules s2 JOIN _stale x USING (loan_id)
        ) e
    ) p
    WHERE p.kind = 0 AND s.loan_id = p.loan_id AND s.installment_no = p.installment_no
      AND s.paid_on IS DISTINCT FROM p.m;
    RETURN v_loans;
END $$;

-- Fill the temp table _loan_fields with the fields as of p_as_of (all loans, or the given ones).
-- T = p_as_of; E = min(T, written_off_on) for the arrears fields of written-off loans.
CREATE OR REPLACE FUNCTION compute_loan_fields_into(p_as_of date, p_loan_ids text[] DEFAULT NULL)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    v_grace integer := app_setting('fimr_grace_days', '0')::integer;
    v_rows integer;
BEGIN
    IF p_as_of IS NULL THEN
        RAISE EXCEPTION 'as-of date is required';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM business_calendar WHERE day = p_as_of) THEN
        RAISE EXCEPTION 'as-of date % is outside the business calendar (1990-2100)', p_as_of;
    END IF;
    PERFORM refresh_paid_dates();

    DROP TABLE IF EXISTS _loan_base;
    CREATE TEMP TABLE _loan_base ON COMMIT DROP AS
    SELECT l.loan_id, l.repayment_amount, l.installments AS n, l.disbursement_date,
           l.loan_amount, l.interest_amount, l.fee_amount, l.written_off_on,
           CASE WHEN l.written_off_on IS NOT NULL THEN least(p_as_of, l.written_off_on)
                ELSE p_as_of END AS e,
           coalesce(s.repaid_total, 0) AS repaid_all,
           s.last_repayment_date AS last_all
    FROM loans l LEFT JOIN loan_repayment_summary s USING (loan_id)
    WHERE p_loan_ids IS NULL OR l.loan_id = ANY (p_loan_ids);
    ANALYZE _loan_base;

    -- Repaid by T and by E, and the latest repayment <= T: from the summary when every
    -- repayment of the loan is on or before E, else (a past as-of date, a write-off, a
    -- repayment dated in the future) from those loans' repayments only.
    DROP TABLE IF EXISTS _loan_late;
    CREATE TEMP TABLE _loan_late ON COMMIT DROP AS
    SELECT loan_id, e FROM _loan_base WHERE last_all > e;
    ANALYZE _loan_late;

    DROP TABLE IF EXISTS _loan_paid;
    CREATE TEMP TABLE _loan_paid ON COMMIT DROP AS
    SELECT b.loan_id,
           coalesce(r.paid_t, b.repaid_all) AS paid_t,
           coalesce(r.paid_e, b.repaid_all) AS paid_e,
           CASE WHEN r.loan_id IS NULL THEN b.last_all ELSE r.last_t END AS last_t
    FROM _loan_base b
    LEFT JOIN (
        SELECT rp.loan_id,
               coalesce(sum(rp.payment_amount) FILTER (WHERE rp.payment_date <= p_as_of), 0)
                   AS paid_t,
               coalesce(sum(rp.payment_amount) FILTER (WHERE rp.payment_date <= x.e), 0)
                   AS paid_e,
               max(rp.payment_date) FILTER (WHERE rp.payment_date <= p_as_of) AS last_t
        FROM _loan_late x JOIN repayments rp USING (loan_id)
        WHERE NOT rp.is_reversed
        GROUP BY rp.loan_id
    ) r USING (loan_id);
    ANALYZE _loan_paid;

    DROP TABLE IF EXISTS _loan_fields;
    CREATE TEMP TABLE _loan_fields ON COMMIT DROP AS
    WITH inst AS (
        -- per installment: what the allocation (oldest first; penalties, fees, interest,
        -- principal) applied to it from the total repaid by T (and by E for write-offs)
        SELECT s.loan_id, s.installment_no, s.due_date, s.paid_on, s.amount_due,
               s.principal_due, s.interest_due, s.fee_due, s.penalty_due, b.e,
               least(s.amount_due, greatest(0, p.paid_t - (s.cumulative_due - s.amount_due))) AS r_t,
               least(s.amount_due, greatest(0, p.paid_e - (s.cumulative_due - s.amount_due))) AS r_e
        FROM payment_schedules s
        JOIN _loan_base b USING (loan_id)
        JOIN _loan_paid p USING (loan_id)
    ), agg AS (
        SELECT loan_id,
               sum(principal_due) AS principal_total,
               sum(interest_due) AS interest_total,
               sum(fee_due + penalty_due) AS fees_total,
               sum(least(interest_due, greatest(0, r_t - penalty_due - fee_due))) AS interest_paid,
               sum(least(fee_due + penalty_due, r_t)) AS fees_paid,
               sum(greatest(0, r_t - penalty_due - fee_due - interest_due)) AS principal_paid,
               sum(greatest(0, r_e - penalty_due - fee_due - interest_due)) AS principal_paid_e,
               count(*) FILTER (WHERE due_date <= e) AS due_to_date,
               count(*) FILTER (WHERE due_date < e) AS past_due,
               count(*) FILTER (WHERE due_date < e AND (paid_on IS NULL OR paid_on > e)) AS in_arrears,
               min(due_date) FILTER (WHERE due_date < e AND (paid_on IS NULL OR paid_on > e))
                   AS oldest_unpaid,
               max(CASE WHEN paid_on <= e THEN paid_on - 1 ELSE e END - due_date) AS max_late,
               count(*) FILTER (WHERE due_date < e AND paid_on <= due_date) AS on_time,
               sum(greatest(0, 1 - greatest(0, least(coalesce(paid_on, e), e) - due_date)::numeric / 30))
                   FILTER (WHERE due_date < e) AS timeliness_sum,
               sum(amount_due) FILTER (WHERE due_date < e) AS due_before,
               min(due_date) FILTER (WHERE installment_no = 1) AS d1,
               min(paid_on) FILTER (WHERE installment_no = 1) AS m1
        FROM inst
        GROUP BY loan_id
    ), f AS (
        SELECT b.loan_id, b.n, b.e, b.repayment_amount, b.disbursement_date, b.written_off_on,
               p.paid_t, p.paid_e, p.last_t, a.past_due, a.due_before, a.timeliness_sum,
               a.on_time, a.in_arrears, a.due_to_date, a.max_late, a.d1, a.m1,
               coalesce(a.principal_total, b.loan_amount)
                   - coalesce(a.principal_paid,
                              greatest(0, p.paid_t - b.fee_amount - b.interest_amount))
                   AS principal_out,
               coalesce(a.interest_total, b.interest_amount)
                   - coalesce(a.interest_paid,
                              least(b.interest_amount, greatest(0, p.paid_t - b.fee_amount)))
                   AS interest_out,
               coalesce(a.fees_total, b.fee_amount)
                   - coalesce(a.fees_paid, least(b.fee_amount, p.paid_t)) AS fees_out,
               coalesce(a.principal_total, b.loan_amount) - coalesce(a.principal_paid_e, 0)
                   AS principal_out_e,
               coalesce(b.e - a.oldest_unpaid, 0) AS dpd,
               round(b.repayment_amount / b.n, 2) AS daily_amount
        FROM _loan_base b
        JOIN _loan_paid p USING (loan_id)
        LEFT JOIN agg a USING (loan_id)
    )
    SELECT f.loan_id,
           p_as_of AS as_of,
           f.paid_t::numeric(18,2) AS total_repayments,
           f.principal_out::numeric(18,2) AS principal_outstanding,
           f.interest_out::numeric(18,2) AS interest_outstanding,
           f.fees_out::numeric(18,2) AS fees_outstanding,
           (f.repayment_amount - f.paid_t)::numeric(18,2) AS total_outstanding,
           greatest(0, f.repayment_amount - f.paid_t)::numeric(18,2) AS actual_outstanding,
           greatest(0, f.paid_t - f.repayment_amount)::numeric(18,2) AS overpaid_amount,
           f.daily_amount::numeric(18,2) AS daily_repayment_amount,
           coalesce(f.due_to_date, 0)::integer AS repayment_days_due_today,
           round(least(f.n::numeric, f.paid_t / nullif(f.daily_amount, 0)), 2)::numeric(12,2)
               AS repayment_days_paid,
           f.dpd::integer AS current_dpd,
           greatest(0, f.dpd, coalesce(f.max_late, 0))::integer AS max_dpd_ever,
           coalesce(f.in_arrears, 0)::integer AS installments_in_arrears,
           coalesce(f.e > f.d1 + v_grace
                    AND NOT coalesce(f.m1 <= f.d1 + v_grace, false), false) AS fimr_tagged,
           (f.dpd BETWEEN 1 AND 6) AS early_indicator_tagged,
           CASE WHEN f.past_due > 0
                THEN round(100.0 * f.on_time / f.past_due, 2) END::numeric(5,2)
               AS repayment_delay_rate,
           CASE WHEN f.past_due > 0
                THEN round(100 * f.timeliness_sum / f.past_due, 2) END::numeric(5,2)
               AS timeliness_score,
           CASE WHEN f.past_due > 0
                THEN round(0.4 * (100 * f.timeliness_sum / f.past_due)
                           + 40 * least(1, coalesce(f.paid_e / nullif(f.due_before, 0), 1))
                           + 20 * (1 - least(f.dpd, 30)::numeric / 30), 2) END::numeric(5,2)
               AS repayment_health,
           (p_as_of - f.last_t)::integer AS days_since_last_repayment,
           greatest(0, ct.business_day_index - cd.business_day_index)::integer
               AS business_days_since_disbursement,
           greatest(0, coalesce(f.due_before, 0) - f.paid_e)::numeric(18,2) AS overdue_amount,
           coalesce(f.e > f.d1 + v_grace, false) AS fimr_eligible,
           CASE WHEN f.written_off_on IS NOT NULL
                THEN f.principal_out_e END::numeric(18,2) AS written_off_principal
    FROM f
    JOIN business_calendar ct ON ct.day = p_as_of
    LEFT JOIN business_calendar cd ON cd.day = f.disbursement_date;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END $$;

-- The fields of every loan (or the given ones) as of a date, without storing them.
CREATE OR REPLACE FUNCTION compute_loan_fields(p_as_of date DEFAULT business_today(),
                                               p_loan_ids text[] DEFAULT NULL)
RETURNS TABLE (
    loan_id text, as_of date, total_repayments numeric, principal_outstanding numeric,
    interest_outstanding numeric, fees_outstanding numeric, total_outstanding numeric,
    actual_outstanding numeric, overpaid_amount numeric, daily_repayment_amount numeric,
    repayment_days_due_today integer, repayment_days_paid numeric, current_dpd integer,
    max_dpd_ever integer, installments_in_arrears integer, fimr_tagged boolean,
    early_indicator_tagged boolean, repayment_delay_rate numeric, timeliness_score numeric,
    repayment_health numeric, days_since_last_repayment integer,
    business_days_since_disbursement integer, overdue_amount numeric, fimr_eligible boolean,
    written_off_principal numeric
) LANGUAGE plpgsql AS $$
BEGIN
    PERFORM compute_loan_fields_into(p_as_of, p_loan_ids);
    RETURN QUERY SELECT * FROM _loan_fields;
END $$;

-- Store the fields as of a date in loans (all loans, or the given ones). One transaction:
-- readers keep seeing the previous values until it commits; a failure changes nothing.
-- Rows whose fields did not change are not rewritten.
CREATE OR REPLACE FUNCTION recalculate_all_loan_fields(as_of date DEFAULT business_today(),
                                                       p_loan_ids text[] DEFAULT NULL)
RETURNS TABLE (total_loans_processed integer, loans_updated integer, execution_time_ms integer)
LANGUAGE plpgsql AS $$
DECLARE
    v_started timestamptz := clock_timestamp();
    v_total integer;
    v_updated integer;
    v_ms integer;
BEGIN
    -- one recalculation at a time (a second one waits, then sees the first's results)
    PERFORM pg_advisory_xact_lock(hashtext('astrofinance.recalculate'));
    v_total := compute_loan_fields_into(as_of, p_loan_ids);
    ANALYZE _loan_fields;
    UPDATE loans l SET
        fields_as_of = f.as_of,
        fields_updated_at = now(),
        total_repayments = f.total_repayments,
        principal_outstanding = f.principal_outstanding,
        interest_outstanding = f.interest_outstanding,
        fees_outstanding = f.fees_outstanding,
        total_outstanding = f.total_outstanding,
        actual_outstanding = f.actual_outstanding,
        overpaid_amount = f.overpaid_amount,
        daily_repayment_amount = f.daily_repayment_amount,
        repayment_days_due_today = f.repayment_days_due_today,
        repayment_days_paid = f.repayment_days_paid,
        current_dpd = f.current_dpd,
        max_dpd_ever = f.max_dpd_ever,
        installments_in_arrears = f.installments_in_arrears,
        fimr_tagged = f.fimr_tagged,
        early_indicator_tagged = f.early_indicator_tagged,
        repayment_delay_rate = f.repayment_delay_rate,
        timeliness_score = f.timeliness_score,
        repayment_health = f.repayment_health,
        days_since_last_repayment = f.days_since_last_repayment,
        business_days_since_disbursement = f.business_days_since_disbursement,
        overdue_amount = f.overdue_amount,
        fimr_eligible = f.fimr_eligible,
        written_off_principal = f.written_off_principal
    FROM _loan_fields f
    WHERE l.loan_id = f.loan_id
      AND (l.fields_as_of, l.total_repayments, l.principal_outstanding, l.interest_outstanding,
           l.fees_outstanding, l.total_outstanding, l.actual_outstanding, l.overpaid_amount,
           l.daily_repayment_amount, l.repayment_days_due_today, l.repayment_days_paid,
           l.current_dpd, l.max_dpd_ever, l.installments_in_arrears, l.fimr_tagged,
           l.early_indicator_tagged, l.repayment_delay_rate, l.timeliness_score,
           l.repayment_health, l.days_since_last_repayment, l.business_days_since_disbursement,
           l.overdue_amount, l.fimr_eligible, l.written_off_principal)
          IS DISTINCT FROM
          (f.as_of, f.total_repayments, f.principal_outstanding, f.interest_outstanding,
           f.fees_outstanding, f.total_outstanding, f.actual_outstanding, f.overpaid_amount,
           f.daily_repayment_amount, f.repayment_days_due_today, f.repayment_days_paid,
           f.current_dpd, f.max_dpd_ever, f.installments_in_arrears, f.fimr_tagged,
           f.early_indicator_tagged, f.repayment_delay_rate, f.timeliness_score,
           f.repayment_health, f.days_since_last_repayment, f.business_days_since_disbursement,
           f.overdue_amount, f.fimr_eligible, f.written_off_principal);
    GET DIAGNOSTICS v_updated = ROW_COUNT;
    v_ms := round(extract(epoch FROM clock_timestamp() - v_started) * 1000)::integer;
    INSERT INTO recalculation_runs (as_of, started_at, total_loans_processed, loans_updated,
                                    execution_time_ms)
    VALUES (as_of, v_started, v_total, v_updated, v_ms);
    RETURN QUERY SELECT v_total, v_updated, v_ms;
END $$;
