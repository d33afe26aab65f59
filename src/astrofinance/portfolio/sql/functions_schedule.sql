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

    -- Each loan's terms travel with its dates (no join back on loan_id). A daily loan's dates
    -- are one index range of the business days (business_day_index counts them), read in
    -- order: no row per (loan, k) to generate, sort and look up.
    WITH terms AS (
        SELECT l.loan_id, l.installments AS n, l.frequency, l.first_payment_due_date AS first_due,
               l.repayment_amount,
               l.loan_amount AS p, l.interest_amount AS i, l.fee_amount AS f,
               trunc(l.loan_amount / l.installments, 2) AS p1,
               trunc(l.interest_amount / l.installments, 2) AS i1,
               trunc(l.fee_amount / l.installments, 2) AS f1
        FROM loans l JOIN _sched_loans x USING (loan_id)
        WHERE l.first_payment_due_date IS NOT NULL
    ), dates AS (
        SELECT t.*, c.business_day_index - s.business_day_index + 1 AS k, c.day AS due
        FROM terms t
        JOIN business_calendar f ON f.day = t.first_due
        JOIN business_calendar s ON s.day = f.next_business_day
        JOIN business_calendar c ON c.is_business_day
             AND c.business_day_index BETWEEN s.business_day_index
                                          AND s.business_day_index + t.n - 1
        WHERE t.frequency = 'daily'
        UNION ALL
        SELECT t.*, g.k + 1, c.next_business_day
        FROM terms t
        CROSS JOIN LATERAL generate_series(0, t.n - 1) AS g(k)
        JOIN business_calendar c ON c.day = CASE t.frequency
                 WHEN 'weekly' THEN t.first_due + 7 * g.k
                 WHEN 'biweekly' THEN t.first_due + 14 * g.k
                 ELSE (t.first_due + make_interval(months => g.k))::date END
        WHERE t.frequency IN ('weekly', 'biweekly', 'monthly')
    ), rows AS (
        SELECT d.loan_id, d.k, d.due,
               CASE WHEN d.k < d.n THEN d.p1 ELSE d.p - (d.n - 1) * d.p1 END AS p_due,
               CASE WHEN d.k < d.n THEN d.i1 ELSE d.i - (d.n - 1) * d.i1 END AS i_due,
               CASE WHEN d.k < d.n THEN d.f1 ELSE d.f - (d.n - 1) * d.f1 END AS f_due,
               CASE WHEN d.k < d.n THEN d.k * (d.p1 + d.i1 + d.f1) ELSE d.repayment_amount END
                   AS cum,
               CASE WHEN d.k < d.n THEN d.k * d.f1 ELSE d.f END AS cum_fee,
               CASE WHEN d.k < d.n THEN d.k * d.i1 ELSE d.i END AS cum_int
        FROM dates d
    ), ins AS (
        INSERT INTO payment_schedules (loan_id, installment_no, due_date, principal_due,
                                       interest_due, fee_due, cumulative_due)
        SELECT loan_id, k, due, p_due, i_due, f_due, cum FROM rows
    )
    INSERT INTO loan_schedule_state (loan_id, n, dues, cum, cum_fee, cum_int)
    SELECT loan_id, count(*), array_agg(due ORDER BY k),
           array_agg((cum * 100)::bigint ORDER BY k),
           array_agg((cum_fee * 100)::bigint ORDER BY k),
           array_agg((cum_int * 100)::bigint ORDER BY k)
    FROM rows GROUP BY loan_id;

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
