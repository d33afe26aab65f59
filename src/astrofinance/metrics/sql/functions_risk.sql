-- Portfolio rules shared by the metrics engine (metrics/portfolio.py), the risk operations and
-- operators' SQL: ONE definition each.
--
--   loan_on_books(status, disbursement_date, closed_on, written_off_on, as_of)   the GLP's loans
--   loan_fields_stored_state()      the date of the stored fields and the loans lacking them
--   loan_fields_as_of(as_of, ids)   the fields portfolio metrics read: stored or computed
--   calculate_par(days_threshold, as_of)   PARx as `astrofinance metrics portfolio` reports it
--
-- cbn_classes() (the CBN prudential classes) is written from metrics/portfolio_result.py's
-- CBN_CLASSES by the migration (metrics/cbn_sql.py): the class table has one definition.

-- On the books as of T (shared/spec/metrics.md, "Gross loan portfolio"): disbursed by T and
-- Active or Defaulted, or Closed or Written Off after T (so a past as-of date sees the loans
-- that were open then). One SQL expression: the planner inlines it, so a WHERE using it keeps
-- its index conditions.
CREATE OR REPLACE FUNCTION loan_on_books(status text, disbursement_date date, closed_on date,
                                         written_off_on date, as_of date)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT $2 <= $5
       AND ($1 IN ('Active', 'Defaulted')
            OR ($1 = 'Closed' AND $3 > $5)
            OR ($1 = 'Written Off' AND $4 > $5))
$$;

-- The date of the stored computed fields (loans.fields_as_of, set by
-- recalculate_all_loan_fields) and how many loans that should have fields as of it do not:
-- disbursed by then, not Pending or Cancelled, and computed as of another date or never
-- (added after the last recalculation). Such a book cannot be read from the stored columns.
CREATE OR REPLACE FUNCTION loan_fields_stored_state()
RETURNS TABLE (as_of date, missing bigint) LANGUAGE sql STABLE AS $$
    -- One pass (a parallel scan) settles the usual case, every counted loan as of the latest
    -- date: the oldest stored date of a counted loan is the latest, and no counted loan
    -- without fields was disbursed by it. Otherwise the exact count, a second pass.
    WITH a AS MATERIALIZED (
        SELECT max(l.fields_as_of) AS latest,
               min(l.fields_as_of) FILTER (WHERE l.status NOT IN ('Pending', 'Cancelled'))
                   AS oldest,
               min(l.disbursement_date) FILTER (WHERE l.status NOT IN ('Pending', 'Cancelled')
                                                  AND l.fields_as_of IS NULL) AS first_unset
        FROM loans l)
    SELECT a.latest,
           CASE WHEN a.latest IS NOT NULL AND (a.oldest IS NULL OR a.oldest = a.latest)
                     AND (a.first_unset IS NULL OR a.first_unset > a.latest) THEN 0::bigint
                ELSE (SELECT count(*) FROM loans l
                      WHERE l.status NOT IN ('Pending', 'Cancelled')
                        AND l.disbursement_date <= coalesce(a.latest, 'infinity'::date)
                        AND (a.latest IS NULL OR l.fields_as_of IS DISTINCT FROM a.latest))
           END
    FROM a
$$;

-- The fields the portfolio metrics read as of a date, for the given loans (NULL: all): the
-- ones stored in loans when the whole book's stored fields are as of that date, else computed
-- by compute_loan_fields (the per-loan engine's one implementation).
CREATE OR REPLACE FUNCTION loan_fields_as_of(p_as_of date, p_loan_ids text[] DEFAULT NULL)
RETURNS TABLE (loan_id text, principal_outstanding numeric, current_dpd integer,
               fields_source text)
LANGUAGE plpgsql AS $$
DECLARE
    v_stored date;
    v_missing bigint;
BEGIN
    SELECT s.as_of, s.missing INTO v_stored, v_missing FROM loan_fields_stored_state() s;
    IF v_stored = p_as_of AND v_missing = 0 THEN
        RETURN QUERY
        SELECT l.loan_id::text, l.principal_outstanding::numeric, l.current_dpd, 'stored'
        FROM loans l
        WHERE p_loan_ids IS NULL OR l.loan_id = ANY (p_loan_ids);
    ELSE
        RETURN QUERY
        SELECT f.loan_id, f.principal_outstanding, f.current_dpd, 'computed'
        FROM compute_loan_fields(p_as_of, p_loan_ids) f;
    END IF;
END $$;

-- PAR as of a date (shared/spec/metrics.md, "PARx"): 100 x the principal outstanding of the
-- loans on the books with current_dpd > days_threshold / the gross loan portfolio, and the
-- same by count; half-up to 2 decimals, NULL when the denominator is 0. The same numbers as
-- `astrofinance metrics portfolio --as-of D` (same fields, same loans, same rounding).
CREATE OR REPLACE FUNCTION calculate_par(days_threshold integer,
                                         as_of date DEFAULT business_today())
RETURNS par_result LANGUAGE sql AS $$
    WITH f AS (
        SELECT * FROM loan_fields_as_of($2, ARRAY(
            SELECT l.loan_id FROM loans l
            WHERE loan_on_books(l.status, l.disbursement_date, l.closed_on, l.written_off_on,
                                $2)))
    ), t AS (
        SELECT count(*) AS n,
               count(*) FILTER (WHERE f.current_dpd > $1) AS n_risk,
               coalesce(sum(f.principal_outstanding), 0) AS glp,
               coalesce(sum(f.principal_outstanding) FILTER (WHERE f.current_dpd > $1), 0)
                   AS at_risk
        FROM f
    )
    SELECT ROW($2, $1, t.n, t.n_risk, t.glp, t.at_risk,
               round(100 * t.at_risk / nullif(t.glp, 0), 2),
               round(100.0 * t.n_risk / nullif(t.n, 0), 2))::par_result
    FROM t
$$;
