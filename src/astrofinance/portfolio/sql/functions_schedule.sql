-- Schedule generation (shared/spec/metrics.md, "Schedule"), set-based for many loans.
--  daily:   the n consecutive business days from first_payment_due_date (rolled forward)
--  weekly:  first due + k weeks, biweekly: + 2k weeks, monthly: first due + k months (day
--           clamped to month end),
--           each date on a non-business day rolled forward without shifting the later dates
--  amounts: each component split evenly, installments 1..n-1 get component/n truncated to
--           2 decimals, installment n the remainder.
-- Only loans whose schedule_source is p_source are touched: 'generated' (the default; supplied
-- schedules are kept), or 'lending' when the loan book makes a loan's schedule.
-- p_loan_ids NULL regenerates every generated schedule. Returns the number of loans.

CREATE OR REPLACE FUNCTION generate_loan_schedules(p_loan_ids text[] DEFAULT NULL,
                                                   p_source text DEFAULT 'generated')
RETURNS integer LANGUAGE plpgsql SET work_mem = '256MB' SET jit = off AS $$
DECLARE
    v_loans integer;
BEGIN
    IF p_source NOT IN ('generated', 'lending') OR (p_source = 'lending' AND p_loan_ids IS NULL) THEN
        RAISE EXCEPTION 'generate_loan_schedules: % schedules are not regenerated in bulk',
            p_source;
    END IF;
    CREATE TEMP TABLE IF NOT EXISTS _sched_loans (loan_id text COLLATE "C" PRIMARY KEY) ON COMMIT DROP;
    TRUNCATE _sched_loans;
    INSERT INTO _sched_loans
    SELECT loan_id FROM loans
    WHERE schedule_source = p_source
      AND (p_loan_ids IS NULL OR loan_id = ANY (p_loan_ids));
    GET DIAGNOSTICS v_loans = ROW_COUNT;
    IF v_loans = 0 THEN
        RETURN 0;
    END IF;
    ANALYZE _sched_loans;

    DELETE FROM payment_schedules s USING _sched_loans x WHERE s.loan_id = x.loan_id;
    DELETE FROM loan_schedule_state s USING _sched_loans x WHERE s.loan_id = x.loan_id;

    -- Each loan's schedule is built as arrays, in installment order: its due dates (a daily
    -- loan's are one index range of the business days, business_day_index counting them; the
    -- others' one calendar lookup per installment) and its cumulative amounts, arithmetic in
    -- the installment number k. loan_schedule_state takes the arrays as they are and
    -- payment_schedules one row per element, so no row per installment is materialized,
    -- sorted or aggregated. Installment k < n is the terms' share truncated to the cent
    -- (p1, i1, f1); the last takes the rest.
    WITH terms AS (
        SELECT l.loan_id, l.installments AS n, l.frequency, l.first_payment_due_date AS first_due,
               l.repayment_amount,
               l.loan_amount AS p, l.interest_amount AS i, l.fee_amount AS f,
               trunc(l.loan_amount / l.installments, 2) AS p1,
               trunc(l.interest_amount / l.installments, 2) AS i1,
               trunc(l.fee_amount / l.installments, 2) AS f1
        FROM loans l JOIN _sched_loans x USING (loan_id)
        WHERE l.first_payment_due_date IS NOT NULL
    ), dated AS MATERIALIZED (      -- each loan's dates computed once
        SELECT t.*,
               CASE WHEN t.frequency = 'daily' THEN ARRAY(
                        SELECT c.day
                        FROM business_calendar f
                        JOIN business_calendar s ON s.day = f.next_business_day
                        JOIN business_calendar c ON c.is_business_day
                             AND c.business_day_index BETWEEN s.business_day_index
                                                          AND s.business_day_index + t.n - 1
                        WHERE f.day = t.first_due
                        ORDER BY c.business_day_index)
                    ELSE ARRAY(
                        SELECT c.next_business_day
                        FROM generate_series(0, t.n - 1) AS g(k)
                        JOIN business_calendar c ON c.day = CASE t.frequency
                                 WHEN 'weekly' THEN t.first_due + 7 * g.k
                                 WHEN 'biweekly' THEN t.first_due + 14 * g.k
                                 ELSE (t.first_due + make_interval(months => g.k))::date END
                        ORDER BY g.k) END AS dues
        FROM terms t
        WHERE t.frequency IN ('daily', 'weekly', 'biweekly', 'monthly')
    ), cents AS (            -- the shares in cents (exact: they have 2 decimals)
        SELECT d.*, cardinality(d.dues) AS m,
               ((d.p1 + d.i1 + d.f1) * 100)::bigint AS x_c, (d.f1 * 100)::bigint AS f1_c,
               (d.i1 * 100)::bigint AS i1_c, (d.repayment_amount * 100)::bigint AS total_c,
               (d.f * 100)::bigint AS f_c, (d.i * 100)::bigint AS i_c
        FROM dated d
    ), arr AS MATERIALIZED (
        SELECT c.*,
               ARRAY(SELECT CASE WHEN g.k < c.n THEN g.k * c.x_c ELSE c.total_c END
                     FROM generate_series(1, c.m) AS g(k) ORDER BY g.k) AS cum,
               ARRAY(SELECT CASE WHEN g.k < c.n THEN g.k * c.f1_c ELSE c.f_c END
                     FROM generate_series(1, c.m) AS g(k) ORDER BY g.k) AS cum_fee,
               ARRAY(SELECT CASE WHEN g.k < c.n THEN g.k * c.i1_c ELSE c.i_c END
                     FROM generate_series(1, c.m) AS g(k) ORDER BY g.k) AS cum_int
        FROM cents c
    ), ins AS (
        INSERT INTO payment_schedules (loan_id, installment_no, due_date, principal_due,
                                       interest_due, fee_due, cumulative_due)
        SELECT a.loan_id, g.k, a.dues[g.k],
               CASE WHEN g.k < a.n THEN a.p1 ELSE a.p - (a.n - 1) * a.p1 END,
               CASE WHEN g.k < a.n THEN a.i1 ELSE a.i - (a.n - 1) * a.i1 END,
               CASE WHEN g.k < a.n THEN a.f1 ELSE a.f - (a.n - 1) * a.f1 END,
               CASE WHEN g.k < a.n THEN g.k * (a.p1 + a.i1 + a.f1) ELSE a.repayment_amount END
        FROM arr a CROSS JOIN LATERAL generate_series(1, a.m) AS g(k)
    )
    INSERT INTO loan_schedule_state (loan_id, n, dues, cum, cum_fee, cum_int)
    SELECT a.loan_id, a.m, a.dues, a.cum, a.cum_fee, a.cum_int FROM arr a WHERE a.m > 0;

    -- a new schedule: the loans' paid-date state is rebuilt, never extended
    INSERT INTO stale_loans AS s (loan_id) SELECT loan_id FROM _sched_loans
    ON CONFLICT (loan_id) DO UPDATE SET appended_from = NULL WHERE s.appended_from IS NOT NULL;
    RETURN v_loans;
END $$;

-- Supplied schedules (rows written by an import or a sync): cumulative thresholds and the
-- loan's schedule state, in installment order; marks the loans for the paid-date refresh.
CREATE OR REPLACE FUNCTION refresh_cumulative_due(p_loan_ids text[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    UPDATE payment_schedules s SET cumulative_due = c.cum
    FROM (SELECT loan_id, installment_no,
                 sum(amount_due) OVER (PARTITION BY loan_id ORDER BY installment_no) AS cum
          FROM payment_schedules WHERE loan_id = ANY (p_loan_ids)) c
    WHERE s.loan_id = c.loan_id AND s.installment_no = c.installment_no
      AND s.cumulative_due IS DISTINCT FROM c.cum;
    DELETE FROM loan_schedule_state WHERE loan_id = ANY (p_loan_ids);
    INSERT INTO loan_schedule_state (loan_id, n, dues, cum, cum_fee, cum_int)
    SELECT loan_id, count(*), array_agg(due_date ORDER BY installment_no),
           array_agg((cumulative_due * 100)::bigint ORDER BY installment_no),
           array_agg((cf * 100)::bigint ORDER BY installment_no),
           array_agg((ci * 100)::bigint ORDER BY installment_no)
    FROM (SELECT loan_id, installment_no, due_date, cumulative_due,
                 sum(fee_due + penalty_due) OVER w AS cf, sum(interest_due) OVER w AS ci
          FROM payment_schedules WHERE loan_id = ANY (p_loan_ids)
          WINDOW w AS (PARTITION BY loan_id ORDER BY installment_no)) t
    GROUP BY loan_id;
    INSERT INTO stale_loans AS s (loan_id) SELECT DISTINCT unnest(p_loan_ids)
    ON CONFLICT (loan_id) DO UPDATE SET appended_from = NULL WHERE s.appended_from IS NOT NULL;
END $$;
