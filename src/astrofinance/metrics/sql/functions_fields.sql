-- The per-loan computed fields of shared/spec/metrics.md: ONE implementation, in SQL, used by
-- the CLI, the API and psql alike.
--
--   refresh_loan_state()               per-loan state (schedule, m_i, prefix stats) of stale loans
--   compute_loan_fields(as_of)         the fields of every loan as of a date (no writes to loans)
--   recalculate_all_loan_fields(as_of) stores them in loans; returns the seed guide's triple
--
-- Incremental by design: m_i (the date installment i became fully paid) changes only when the
-- loan's repayments or schedule change, so it is kept per loan in loan_state with the schedule
-- as sorted arrays and prefix statistics, rebuilt only for loans in stale_loans (filled by the
-- triggers below and by schedule generation). A recalculation as of another day then reads one
-- loan_state row per loan: binary searches and subscripts, no installments, no repayments.

CREATE OR REPLACE FUNCTION business_today()
RETURNS date LANGUAGE sql STABLE AS $$
    SELECT (now() AT TIME ZONE public.app_setting('timezone', 'Africa/Lagos'))::date
$$;

-- A running total of amounts in cents, as bigint throughout (sum(bigint) returns numeric, and
-- converting every running value back costs a third of the repayments' pass); int8pl raises
-- on overflow, never wraps.
CREATE OR REPLACE AGGREGATE sum_cents(bigint) (SFUNC = int8pl, STYPE = bigint, INITCOND = '0');

-- Repayments changed: their loans' paid dates and summaries must be recomputed. One function
-- for the three statement triggers; each reads only the transition tables its event has.
-- An INSERT records the earliest date it added (stale_loans.appended_from), so a loan whose
-- only change is repayments dated after its state's last one is extended, not rebuilt (the
-- daily case: refresh_loan_state); an UPDATE or DELETE, like a schedule change, asks for a
-- rebuild (appended_from NULL), and a rebuild, once asked for, stays asked for. A repayment
-- inserted already reversed changes nothing that is derived.
CREATE OR REPLACE FUNCTION repayments_mark_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO stale_loans AS s (loan_id, appended_from)
        SELECT loan_id, min(payment_date) FROM new_rows WHERE NOT is_reversed GROUP BY loan_id
        ON CONFLICT (loan_id) DO UPDATE
            SET appended_from = least(s.appended_from, excluded.appended_from)
            WHERE s.appended_from IS NOT NULL;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO stale_loans AS s (loan_id)
        SELECT DISTINCT loan_id FROM old_rows
        ON CONFLICT (loan_id) DO UPDATE SET appended_from = NULL
            WHERE s.appended_from IS NOT NULL;
    ELSE
        -- only rows whose loan, date, amount or reversal changed (not a channel or reference)
        INSERT INTO stale_loans AS s (loan_id)
        SELECT DISTINCT loan_id FROM (
            (SELECT repayment_id, loan_id, payment_date, payment_amount, is_reversed FROM old_rows
             EXCEPT
             SELECT repayment_id, loan_id, payment_date, payment_amount, is_reversed FROM new_rows)
            UNION ALL
            (SELECT repayment_id, loan_id, payment_date, payment_amount, is_reversed FROM new_rows
             EXCEPT
             SELECT repayment_id, loan_id, payment_date, payment_amount, is_reversed FROM old_rows)
        ) changed
        ON CONFLICT (loan_id) DO UPDATE SET appended_from = NULL
            WHERE s.appended_from IS NOT NULL;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER trg_repayments_stale_ins AFTER INSERT ON repayments
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION repayments_mark_stale();
CREATE OR REPLACE TRIGGER trg_repayments_stale_del AFTER DELETE ON repayments
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION repayments_mark_stale();
CREATE OR REPLACE TRIGGER trg_repayments_stale_upd AFTER UPDATE ON repayments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION repayments_mark_stale();

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

-- Bring loan_state up to date for the loans in stale_loans (all, or those of p_loan_ids; see
-- the table's comment for the arrays).
-- m_i = the first date on which cumulative non-reversed repayments reached cum[i]: with the
-- loan's repayments and their running totals as sorted arrays, that is the repayment at
-- position (number of running totals < cum[i]) + 1, found by binary search (width_bucket).
--
-- Extended, not rebuilt: a loan whose only change since its state was built is repayments
-- dated after the state's last repayment (stale_loans.appended_from > last_repayment_date;
-- the daily case). Repayments after that date cannot change the paid dates of the
-- installments already paid (cumulative totals up to it are unchanged), so only the newly
-- paid installments q0+1..q1 are computed, from the new repayments' running totals started
-- at the old total, and appended with the prefix statistics continued from element q0.
-- The other loans are rebuilt from all their repayments.
CREATE OR REPLACE FUNCTION refresh_loan_state(p_loan_ids text[] DEFAULT NULL)
RETURNS integer LANGUAGE plpgsql SET work_mem = '256MB' SET jit = off AS $$
DECLARE
    v_loans integer;
    v_extended integer;
    v_from date;
BEGIN
    DROP TABLE IF EXISTS _stale;
    CREATE TEMP TABLE _stale (loan_id text COLLATE "C" PRIMARY KEY, appended_from date)
        ON COMMIT DROP;
    WITH d AS (DELETE FROM stale_loans
               WHERE p_loan_ids IS NULL OR loan_id = ANY (p_loan_ids)
               RETURNING loan_id, appended_from)
    INSERT INTO _stale SELECT d.loan_id, d.appended_from FROM d JOIN loans l USING (loan_id);
    GET DIAGNOSTICS v_loans = ROW_COUNT;
    IF v_loans = 0 THEN
        RETURN 0;
    END IF;
    ANALYZE _stale;

    DROP TABLE IF EXISTS _extend;
    CREATE TEMP TABLE _extend ON COMMIT DROP AS
    SELECT x.loan_id, x.appended_from, st.last_repayment_date AS last_date,
           (st.repaid_total * 100)::bigint AS old_c, coalesce(cardinality(st.paid), 0) AS q0,
           st.late_max[cardinality(st.paid)] AS prev_late_max,
           coalesce(st.on_time[cardinality(st.paid)], 0) AS prev_on_time,
           coalesce(st.marks[cardinality(st.paid)], 0) AS prev_marks
    FROM _stale x
    JOIN loan_state st USING (loan_id)
    JOIN loan_schedule_state sch USING (loan_id)
    WHERE x.appended_from IS NOT NULL
      AND (x.appended_from > st.last_repayment_date OR st.last_repayment_date IS NULL);
    GET DIAGNOSTICS v_extended = ROW_COUNT;
    IF v_extended > 0 THEN
        ALTER TABLE _extend ADD PRIMARY KEY (loan_id);
        ANALYZE _extend;
        DELETE FROM _stale x USING _extend e WHERE x.loan_id = e.loan_id;
        -- every new repayment is dated on or after its loan's appended_from: the index on
        -- payment_date finds them without reading older repayments
        SELECT min(appended_from) INTO v_from FROM _extend;
        WITH pay AS MATERIALIZED (
            -- the new repayments (all dated after the state's last one), running totals
            -- continued from the old total
            SELECT loan_id, array_agg(payment_date ORDER BY payment_date) AS pdates,
                   array_agg(c ORDER BY payment_date) AS pcum, max(c) AS total_c,
                   min(payment_date) AS first_date, max(payment_date) AS last_date
            FROM (SELECT r.loan_id, r.payment_date,
                         e.old_c + sum_cents((r.payment_amount * 100)::bigint)
                             OVER (PARTITION BY r.loan_id ORDER BY r.payment_date) AS c
                  FROM _extend e
                  JOIN repayments r ON r.loan_id = e.loan_id
                   AND r.payment_date > coalesce(e.last_date, '-infinity'::date)
                  WHERE r.payment_date >= v_from AND NOT r.is_reversed) t
            GROUP BY loan_id
        ), appended AS (
            -- installments q0+1..q1, q1 = #{cum_i <= new total}: their m_i and the prefix
            -- statistics continued from element q0 (the rebuild below computes the same
            -- statistics per loan: a rebuild written as an extension from nothing, one window
            -- over every installment of every loan, measured 2.5x slower)
            SELECT loan_id, array_agg(mi ORDER BY i) AS paid, array_agg(lm ORDER BY i) AS late_max,
                   array_agg(ot ORDER BY i) AS on_time, array_agg(mk ORDER BY i) AS marks
            FROM (SELECT n.loan_id, n.i, n.mi,
                         greatest(n.prev_late_max, max(n.mi - 1 - n.d) OVER w) AS lm,
                         n.prev_on_time
                             + (count(*) FILTER (WHERE n.mi <= n.d) OVER w)::integer AS ot,
                         n.prev_marks
                             + (sum(greatest(0, 30 - greatest(0, n.mi - n.d))) OVER w)::integer
                             AS mk
                  FROM (SELECT e.loan_id, e.q0 + u.k AS i, u.d, e.prev_late_max, e.prev_on_time,
                               e.prev_marks,
                               p.pdates[width_bucket(u.c - 1, p.pcum) + 1] AS mi
                        FROM _extend e
                        JOIN pay p USING (loan_id)
                        JOIN loan_schedule_state sch USING (loan_id)
                        CROSS JOIN LATERAL unnest(
                            sch.cum[e.q0 + 1:width_bucket(p.total_c, sch.cum)],
                            sch.dues[e.q0 + 1:width_bucket(p.total_c, sch.cum)])
                            WITH ORDINALITY AS u(c, d, k)) n
                  WINDOW w AS (PARTITION BY n.loan_id ORDER BY n.i)) q
            GROUP BY loan_id
        )
        UPDATE loan_state st
        SET paid = st.paid || a.paid, late_max = st.late_max || a.late_max,
            on_time = st.on_time || a.on_time, marks = st.marks || a.marks,
            repaid_total = p.total_c / 100.0,
            first_repayment_date = coalesce(st.first_repayment_date, p.first_date),
            last_repayment_date = p.last_date
        FROM pay p
        LEFT JOIN appended a USING (loan_id)
        WHERE st.loan_id = p.loan_id;
    END IF;
    IF v_extended = v_loans THEN
        RETURN v_loans;
    ELSIF v_extended > 0 THEN
        ANALYZE _stale;
    END IF;
    DELETE FROM loan_state s USING _stale x WHERE s.loan_id = x.loan_id;

    INSERT INTO loan_state (loan_id, paid, late_max, on_time, marks, repaid_total,
                            first_repayment_date, last_repayment_date)
    WITH pay AS (
        -- rows arrive in the window's order (loan, date), the order of the index on
        -- (loan_id, payment_date), so nothing is sorted; the arrays keep it. Repayments of one
        -- day share that day's running total (the window's peers): m_i is a date, so the
        -- order within a day cannot change it, and width_bucket accepts equal thresholds.
        SELECT loan_id, array_agg(payment_date) AS pdates,
               array_agg(c) AS pcum, max(c) AS total_c,
               min(payment_date) AS first_date, max(payment_date) AS last_date
        FROM (SELECT r.loan_id, r.payment_date,
                     sum_cents((r.payment_amount * 100)::bigint)
                         OVER (PARTITION BY r.loan_id ORDER BY r.payment_date) AS c
              FROM repayments r JOIN _stale x USING (loan_id)
              WHERE NOT r.is_reversed) t
        GROUP BY loan_id
    )
    SELECT x.loan_id, pm.paid, pm.late_max, pm.on_time, pm.marks,
           coalesce(pay.total_c / 100.0, 0),
           pay.first_date, pay.last_date
    FROM _stale x
    LEFT JOIN pay USING (loan_id)
    LEFT JOIN loan_schedule_state sch USING (loan_id)
    LEFT JOIN LATERAL (
        -- rows arrive in installment order (the window's): the arrays keep it
        SELECT array_agg(q.mi) AS paid, array_agg(q.lm) AS late_max,
               array_agg(q.ot) AS on_time, array_agg(q.mk) AS marks
        FROM (SELECT z.i, z.mi,
                     max(z.mi - 1 - z.d) OVER w AS lm,
                     (count(*) FILTER (WHERE z.mi <= z.d) OVER w)::integer AS ot,
                     (sum(greatest(0, 30 - greatest(0, z.mi - z.d))) OVER w)::integer AS mk
              -- the installments paid in full: q1 = #{cum_i <= total}
              FROM (SELECT u.i, u.d, pay.pdates[width_bucket(u.c - 1, pay.pcum) + 1] AS mi
                    FROM unnest(sch.cum[1:width_bucket(pay.total_c, sch.cum)],
                                sch.dues[1:width_bucket(pay.total_c, sch.cum)])
                         WITH ORDINALITY AS u(c, d, i)) z
              WINDOW w AS (ORDER BY z.i)) q
    ) pm ON pay.loan_id IS NOT NULL AND sch.loan_id IS NOT NULL;
    RETURN v_loans;
END $$;

-- The allocation of an amount p (cents) over a schedule given by its cumulative arrays:
-- installments oldest first; q = #{cum_i <= p} (width_bucket(p, cum)) are fully paid, the rest
-- r = p - cum_q goes to installment q+1 in the loan's order o of its three parts: C charges
-- (penalties and fees), I interest, P principal; 'CIP' is metrics.md's order (penalties, fees,
-- interest, principal), a product may set another (loan_accounts.alloc_code). A part gets
-- what r leaves after the parts before it, up to its own amount; principal paid =
-- min(p, cum_n) - charges paid - interest paid. ONE implementation, used by the fields, the
-- ledger's postings and vw_loan_summary. Inlined by the planner.
-- What part x (C or I) of the schedule amount p has paid: the fully paid installments' x, plus
-- in installment q+1 what r leaves after the parts before x in o, up to x's own amount.
CREATE OR REPLACE FUNCTION alloc_part_paid(p bigint, q integer, cum bigint[], cum_fee bigint[],
                                           cum_int bigint[], o text, x text)
RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce((CASE x WHEN 'C' THEN cum_fee ELSE cum_int END)[q], 0)
           + least(coalesce(CASE x WHEN 'C' THEN cum_fee[q + 1] - coalesce(cum_fee[q], 0)
                                   ELSE cum_int[q + 1] - coalesce(cum_int[q], 0) END, 0),
                   greatest(0, p - coalesce(cum[q], 0)
                      - (strpos(o, 'C') < strpos(o, x))::integer
                        * coalesce(cum_fee[q + 1] - coalesce(cum_fee[q], 0), 0)
                      - (strpos(o, 'I') < strpos(o, x))::integer
                        * coalesce(cum_int[q + 1] - coalesce(cum_int[q], 0), 0)
                      - (strpos(o, 'P') < strpos(o, x))::integer
                        * coalesce((cum[q + 1] - coalesce(cum[q], 0))
                                   - (cum_fee[q + 1] - coalesce(cum_fee[q], 0))
                                   - (cum_int[q + 1] - coalesce(cum_int[q], 0)), 0)))
$$;

CREATE OR REPLACE FUNCTION alloc_charges_paid(p bigint, q integer, cum bigint[], cum_fee bigint[],
                                              cum_int bigint[], o text DEFAULT 'CIP')
RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
    SELECT alloc_part_paid(p, q, cum, cum_fee, cum_int, o, 'C')
$$;

CREATE OR REPLACE FUNCTION alloc_interest_paid(p bigint, q integer, cum bigint[], cum_fee bigint[],
                                               cum_int bigint[], o text DEFAULT 'CIP')
RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
    SELECT alloc_part_paid(p, q, cum, cum_fee, cum_int, o, 'I')
$$;

-- Fill the temp table _loan_fields with the fields as of p_as_of (all loans, or the given ones).
-- T = p_as_of; E = min(T, written_off_on) for the arrears fields of written-off loans.
-- Per loan, from loan_state (binary searches and subscripts, no scan of installments):
--   past = #{d_i < E}, due = #{d_i <= E}, k = #{m_i <= E} (the paid prefix), q = #{cum_i <= P}.
-- Merge joins, not hash joins: loans, loan_schedule_state and loan_state are read in the order
-- of their keys and joined as they stream, where a hash table would hold every loan's arrays
-- (about 1 KB a loan: spilled to disk in batches on a large book; slower even on a small one).
CREATE OR REPLACE FUNCTION compute_loan_fields_into(p_as_of date, p_loan_ids text[] DEFAULT NULL)
RETURNS integer LANGUAGE plpgsql SET work_mem = '256MB' SET jit = off SET enable_hashjoin = off AS $$
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
    PERFORM refresh_loan_state(p_loan_ids);

    -- OFFSET 0 ends each step (b, s1, s2, s3): the planner then computes a step's columns
    -- once per loan instead of inlining their expressions into every use in the next step
    -- (PostgreSQL does not share common subexpressions; inlined, each allocation and
    -- binary search ran many times per loan, and the whole took about 1.8x as long).
    DROP TABLE IF EXISTS _loan_fields;
    CREATE TEMP TABLE _loan_fields ON COMMIT DROP AS
    WITH b AS (
        SELECT l.loan_id, l.installments AS n_terms, l.repayment_amount,
               l.disbursement_date, l.written_off_on,
               CASE WHEN l.written_off_on IS NOT NULL THEN least(p_as_of, l.written_off_on)
                    ELSE p_as_of END AS e,
               ss.dues, st.paid, st.late_max, st.on_time, st.marks,
               -- a loan without a schedule allocates as one installment of the whole amount
               coalesce(ss.cum, ARRAY[(l.repayment_amount * 100)::bigint]) AS cum,
               coalesce(ss.cum_fee, ARRAY[(l.fee_amount * 100)::bigint]) AS cum_fee,
               coalesce(ss.cum_int, ARRAY[(l.interest_amount * 100)::bigint]) AS cum_int,
               coalesce(la.alloc_code, 'CIP') AS ord,
               coalesce(la.fimr_grace_days, v_grace) AS g,
               -- the totals repaid by T and by E, and the last repayment by T: the state's,
               -- unless the loan has repayments after E (an as-of date in the past, a
               -- write-off): then its repayments' (lt)
               CASE WHEN lt.late THEN lt.paid_t ELSE coalesce(st.repaid_total, 0) END AS paid_t,
               CASE WHEN lt.late THEN lt.paid_e ELSE coalesce(st.repaid_total, 0) END AS paid_e,
               CASE WHEN lt.late THEN lt.last_t ELSE st.last_repayment_date END AS last_t
        FROM loans l
        LEFT JOIN loan_schedule_state ss USING (loan_id)
        LEFT JOIN loan_state st USING (loan_id)
        LEFT JOIN loan_accounts la USING (loan_id)
        -- its condition on the loan alone is a one-time filter: the repayments of the other
        -- loans are not read
        CROSS JOIN LATERAL (
            SELECT bool_or(true) AS late,
                   coalesce(sum(rp.payment_amount) FILTER (WHERE rp.payment_date <= p_as_of), 0)
                       AS paid_t,
                   coalesce(sum(rp.payment_amount) FILTER (
                       WHERE rp.payment_date <= least(p_as_of, coalesce(l.written_off_on, p_as_of))),
                       0) AS paid_e,
                   max(rp.payment_date) FILTER (WHERE rp.payment_date <= p_as_of) AS last_t
            FROM repayments rp
            WHERE st.last_repayment_date > least(p_as_of, coalesce(l.written_off_on, p_as_of))
              AND rp.loan_id = l.loan_id AND NOT rp.is_reversed) lt
        WHERE p_loan_ids IS NULL OR l.loan_id = ANY (p_loan_ids)
    ), s1 AS (
        SELECT b.*,
               coalesce(width_bucket(b.e - 1, b.dues), 0) AS past,   -- #{d_i < E}
               coalesce(width_bucket(b.e, b.dues), 0) AS due,        -- #{d_i <= E}
               coalesce(width_bucket(b.e, b.paid), 0) AS k,          -- #{m_i <= E}
               (b.paid_t * 100)::bigint AS pt_c,
               (b.paid_e * 100)::bigint AS pe_c,
               coalesce(width_bucket((b.paid_t * 100)::bigint, b.cum), 0) AS qt,
               coalesce(width_bucket((b.paid_e * 100)::bigint, b.cum), 0) AS qe,
               cardinality(b.cum) AS n
        FROM b OFFSET 0
    ), s2 AS (
        SELECT s1.*,
               CASE WHEN s1.past > s1.k THEN s1.e - s1.dues[s1.k + 1] ELSE 0 END AS dpd,
               least(s1.past, s1.k) AS j,
               greatest(s1.k, coalesce(width_bucket(s1.e - 30, s1.dues), 0)) AS lo,
               alloc_charges_paid(s1.pt_c, s1.qt, s1.cum, s1.cum_fee, s1.cum_int, s1.ord) AS fee_paid,
               alloc_interest_paid(s1.pt_c, s1.qt, s1.cum, s1.cum_fee, s1.cum_int, s1.ord) AS int_paid,
               least(s1.cum[s1.n], s1.pe_c) - alloc_charges_paid(s1.pe_c, s1.qe, s1.cum, s1.cum_fee, s1.cum_int, s1.ord)
                   - alloc_interest_paid(s1.pe_c, s1.qe, s1.cum, s1.cum_fee, s1.cum_int, s1.ord)
                   AS prin_paid_e,
               coalesce(s1.cum[s1.past], 0) AS due_before_c
        FROM s1 OFFSET 0
    ), s3 AS (
        SELECT s2.*,
               least(s2.cum[s2.n], s2.pt_c) - s2.fee_paid - s2.int_paid AS prin_paid,
               s2.cum[s2.n] - s2.cum_fee[s2.n] - s2.cum_int[s2.n] AS prin_total,
               -- timeliness in 30ths: the paid installments' marks, plus each unpaid past
               -- installment due less than 30 days before E: 30 - (E - d_i)
               CASE WHEN s2.past > 0 THEN
                   (coalesce(s2.marks[s2.j], 0)
                    + CASE WHEN s2.past > s2.lo
                           THEN (SELECT sum(30 - (s2.e - d))
                                 FROM unnest(s2.dues[s2.lo + 1:s2.past]) AS d) ELSE 0 END
                   )::numeric / 30 / s2.past END AS ts,
               round(s2.repayment_amount / s2.n_terms, 2) AS daily_amount
        FROM s2 OFFSET 0
    )
    SELECT s3.loan_id,
           p_as_of AS as_of,
           s3.paid_t::numeric(18,2) AS total_repayments,
           ((s3.prin_total - s3.prin_paid) / 100.0)::numeric(18,2) AS principal_outstanding,
           ((s3.cum_int[s3.n] - s3.int_paid) / 100.0)::numeric(18,2) AS interest_outstanding,
           ((s3.cum_fee[s3.n] - s3.fee_paid) / 100.0)::numeric(18,2) AS fees_outstanding,
           (s3.repayment_amount - s3.paid_t)::numeric(18,2) AS total_outstanding,
           greatest(0, s3.repayment_amount - s3.paid_t)::numeric(18,2) AS actual_outstanding,
           greatest(0, s3.paid_t - s3.repayment_amount)::numeric(18,2) AS overpaid_amount,
           s3.daily_amount::numeric(18,2) AS daily_repayment_amount,
           s3.due AS repayment_days_due_today,
           round(least(s3.n_terms::numeric, s3.paid_t / nullif(s3.daily_amount, 0)), 2)
               ::numeric(12,2) AS repayment_days_paid,
           s3.dpd AS current_dpd,
           greatest(0, s3.dpd, coalesce(s3.late_max[s3.k], 0)) AS max_dpd_ever,
           greatest(0, s3.past - s3.k) AS installments_in_arrears,
           coalesce(s3.e > s3.dues[1] + s3.g
                    AND NOT coalesce(s3.paid[1] <= s3.dues[1] + s3.g, false), false)
               AS fimr_tagged,
           (s3.dpd BETWEEN 1 AND 6) AS early_indicator_tagged,
           CASE WHEN s3.past > 0
                THEN round(100.0 * coalesce(s3.on_time[s3.j], 0) / s3.past, 2) END
               ::numeric(5,2) AS repayment_delay_rate,
           round(100 * s3.ts, 2)::numeric(5,2) AS timeliness_score,
           CASE WHEN s3.past > 0
                THEN round(40 * s3.ts
                           + 40 * least(1, coalesce(s3.pe_c::numeric
                                                    / nullif(s3.due_before_c, 0), 1))
                           + 20 * (1 - least(s3.dpd, 30)::numeric / 30), 2) END::numeric(5,2)
               AS repayment_health,
           (p_as_of - s3.last_t) AS days_since_last_repayment,
           greatest(0, ct.business_day_index - cd.business_day_index)
               AS business_days_since_disbursement,
           (greatest(0, s3.due_before_c - s3.pe_c) / 100.0)::numeric(18,2) AS overdue_amount,
           coalesce(s3.e > s3.dues[1] + s3.g, false) AS fimr_eligible,
           CASE WHEN s3.written_off_on IS NOT NULL
                THEN ((s3.prin_total - s3.prin_paid_e) / 100.0) END::numeric(18,2)
               AS written_off_principal
    FROM s3
    JOIN business_calendar ct ON ct.day = p_as_of
    LEFT JOIN business_calendar cd ON cd.day = s3.disbursement_date;
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
LANGUAGE plpgsql SET work_mem = '256MB' SET jit = off AS $$
DECLARE
    v_started timestamptz := clock_timestamp();
    v_total integer;
    v_updated integer;
    v_ms integer;
    v_dates_move boolean;
    -- many loans: the loan cube's row triggers are skipped and the cube marked stale
    -- (migration 0024; metrics/service.py rebuilds it), a few: their triggers move their shares
    v_bulk boolean := p_loan_ids IS NULL OR cardinality(p_loan_ids) > 1000;
BEGIN
    -- one recalculation at a time (a second one waits, then sees the first's results)
    PERFORM pg_advisory_xact_lock(hashtext('astrofinance.recalculate'));
    IF v_bulk THEN
        PERFORM set_config('astrofinance.loan_cube_bulk', 'on', true);
    END IF;
    v_total := compute_loan_fields_into(as_of, p_loan_ids);
    -- fields_as_of is set only where some loan's date moves: the stored fields' state counter
    -- (migration 0020) counts the updates that set it, and a payment's one-loan
    -- recalculation as of the stored date then leaves it, and the state metrics/stored_state.py
    -- keeps, alone
    v_dates_move := EXISTS (SELECT 1 FROM _loan_fields f JOIN loans l ON l.loan_id = f.loan_id
                            WHERE l.fields_as_of IS DISTINCT FROM f.as_of);
    EXECUTE format($update$
    UPDATE loans l SET %s
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
           f.overdue_amount, f.fimr_eligible, f.written_off_principal)
    $update$, CASE WHEN v_dates_move THEN 'fields_as_of = f.as_of,' ELSE '' END);
    GET DIAGNOSTICS v_updated = ROW_COUNT;
    IF v_bulk THEN
        PERFORM set_config('astrofinance.loan_cube_bulk', 'off', true);
        IF v_updated > 0 THEN     -- after the loans' updates: no lock taken before theirs
            UPDATE loan_cube_state SET valid = false WHERE valid;
        END IF;
    END IF;
    v_ms := round(extract(epoch FROM clock_timestamp() - v_started) * 1000)::integer;
    INSERT INTO recalculation_runs (as_of, started_at, total_loans_processed, loans_updated,
                                    execution_time_ms)
    VALUES (as_of, v_started, v_total, v_updated, v_ms);
    RETURN QUERY SELECT v_total, v_updated, v_ms;
END $$;
