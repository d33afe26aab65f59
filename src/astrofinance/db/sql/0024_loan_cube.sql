-- The book's stored fields summed per dimension (loan_cube, metrics/portfolio.py "The loan
-- cube", docs/metrics.md): the portfolio figures as of the stored date read these sums
-- instead of every loan.
--
-- A loan's share of the cube is one row's worth of its stored fields, as of its own
-- fields_as_of, under its dimensions (officer, branch, region, supervisor, vertical lead,
-- wave, product), its DPD band and two flags: on the books as of that date, and counted
-- (disbursed by then and neither Pending nor Cancelled: the FIMR loans). A loan that is
-- neither has no share. The DPD bands' lower ends (0, 1, 2, 8, 31, 61, 91) make every PAR
-- threshold of 0, 1, 7, 30, 60 or 90 days and every CBN class a set of whole bands.
--
-- Kept exact, whoever writes the loans:
-- * every INSERT, UPDATE (of a column the cube reads) and DELETE of a loan notes its old share
--   (negated) and its new one in loan_cube_delta (row triggers: one plain insert each), and
--   at the end of the statement one statement trigger adds the notes up per key into the
--   cube (set-based: a statement changing 10,000 loans makes a few upserts, not 10,000);
-- * a writer of many loans at once (recalculate_all_loan_fields without a short list of
--   loans) sets astrofinance.loan_cube_bulk, which skips the row triggers, and marks the cube
--   stale (loan_cube_state.valid); metrics/service.py rebuilds it in the same transaction;
--   readers of a stale cube read the loans, as before it existed;
-- * TRUNCATE empties it.
-- The statement trigger reads loan_cube_state FOR SHARE and a rebuild locks it FOR UPDATE, so a
-- rebuild waits for the writers in flight and the writers after it add to the rebuilt cube.
CREATE FUNCTION loan_dpd_band(dpd integer) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN dpd IS NULL THEN NULL
                WHEN dpd <= 1 THEN dpd
                WHEN dpd <= 7 THEN 2
                WHEN dpd <= 30 THEN 8
                WHEN dpd <= 60 THEN 31
                WHEN dpd <= 90 THEN 61
                ELSE 91 END::smallint
$$;

CREATE TABLE loan_cube (
    fields_as_of          date,
    officer_id            text COLLATE "C",
    branch                text,
    region                text,
    supervisor_email      text,
    vertical_lead_email   text,
    vertical_lead_name    text,
    wave                  text,
    product               text,
    dpd_lo                smallint,
    on_books              boolean NOT NULL,
    counted               boolean NOT NULL,
    loans                 bigint NOT NULL,
    principal_outstanding numeric NOT NULL,
    overdue_amount        numeric NOT NULL,
    dpd_sum               bigint NOT NULL,
    dpd_n                 bigint NOT NULL,
    early_indicators      bigint NOT NULL,
    fimr_eligible         bigint NOT NULL,
    fimr_tagged           bigint NOT NULL,
    CONSTRAINT loan_cube_key UNIQUE NULLS NOT DISTINCT
        (fields_as_of, officer_id, branch, region, supervisor_email, vertical_lead_email,
         vertical_lead_name, wave, product, dpd_lo, on_books, counted)
);

CREATE TABLE loan_cube_state (
    one         boolean PRIMARY KEY DEFAULT true CHECK (one),
    valid       boolean NOT NULL,
    rebuilt_at  timestamptz
);
INSERT INTO loan_cube_state (valid) VALUES (false);

-- The notes of one statement's changes (rows of loan_cube's shape, no key): written by the
-- row triggers and emptied into the cube by the statement trigger before the statement
-- ends, so no note outlives its transaction (unlogged: nothing of it needs a crash).
CREATE UNLOGGED TABLE loan_cube_delta (LIKE loan_cube);

-- A loan's share (sign 1) or its removal (sign -1), noted (plpgsql: its statement is planned
-- once per session, not once per row as a SQL function's would be).
CREATE FUNCTION loan_cube_note_share(l loans, sign integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO loan_cube_delta
    SELECT l.fields_as_of, l.officer_id, l.branch, l.region, l.supervisor_email,
           l.vertical_lead_email, l.vertical_lead_name, l.wave, l.product,
           loan_dpd_band(l.current_dpd), x.on_books, x.counted, sign,
           sign * coalesce(l.principal_outstanding, 0), sign * coalesce(l.overdue_amount, 0),
           sign * coalesce(l.current_dpd, 0), sign * (l.current_dpd IS NOT NULL)::integer,
           sign * coalesce(l.early_indicator_tagged, false)::integer,
           sign * coalesce(l.fimr_eligible, false)::integer,
           sign * coalesce(l.fimr_eligible AND l.fimr_tagged, false)::integer
    FROM (SELECT coalesce(loan_on_books(l.status, l.disbursement_date, l.closed_on,
                                        l.written_off_on, l.fields_as_of), false) AS on_books,
                 coalesce(l.status NOT IN ('Pending', 'Cancelled')
                          AND l.disbursement_date <= l.fields_as_of, false) AS counted) x
    WHERE x.on_books OR x.counted;
END $$;

CREATE FUNCTION loan_cube_note() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM loan_cube_note_share(OLD, -1);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM loan_cube_note_share(NEW, 1);
    END IF;
    RETURN NULL;
END $$;

-- The statement's notes added up per key into the cube (or dropped while it is stale).
CREATE FUNCTION loan_cube_fold() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT (SELECT s.valid FROM loan_cube_state s FOR SHARE) THEN
        DELETE FROM loan_cube_delta;       -- stale: the next rebuild reads every loan
        RETURN NULL;
    END IF;
    WITH d AS (DELETE FROM loan_cube_delta RETURNING *)
    INSERT INTO loan_cube AS c
    SELECT d.fields_as_of, d.officer_id, d.branch, d.region, d.supervisor_email,
           d.vertical_lead_email, d.vertical_lead_name, d.wave, d.product, d.dpd_lo,
           d.on_books, d.counted, sum(d.loans), sum(d.principal_outstanding),
           sum(d.overdue_amount), sum(d.dpd_sum), sum(d.dpd_n), sum(d.early_indicators),
           sum(d.fimr_eligible), sum(d.fimr_tagged)
    FROM d
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12
    ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12   -- one lock order: writers do not deadlock
    ON CONFLICT ON CONSTRAINT loan_cube_key DO UPDATE SET
        loans = c.loans + EXCLUDED.loans,
        principal_outstanding = c.principal_outstanding + EXCLUDED.principal_outstanding,
        overdue_amount = c.overdue_amount + EXCLUDED.overdue_amount,
        dpd_sum = c.dpd_sum + EXCLUDED.dpd_sum, dpd_n = c.dpd_n + EXCLUDED.dpd_n,
        early_indicators = c.early_indicators + EXCLUDED.early_indicators,
        fimr_eligible = c.fimr_eligible + EXCLUDED.fimr_eligible,
        fimr_tagged = c.fimr_tagged + EXCLUDED.fimr_tagged;
    RETURN NULL;
END $$;

-- Every loan's share, summed afresh; the cube is then valid.
CREATE FUNCTION loan_cube_rebuild() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM loan_cube_state FOR UPDATE;
    DELETE FROM loan_cube;      -- not TRUNCATE: readers of the cube are not blocked
    DELETE FROM loan_cube_delta;
    INSERT INTO loan_cube
    SELECT l.fields_as_of, l.officer_id, l.branch, l.region, l.supervisor_email,
           l.vertical_lead_email, l.vertical_lead_name, l.wave, l.product,
           loan_dpd_band(l.current_dpd), x.on_books, x.counted, count(*),
           coalesce(sum(l.principal_outstanding), 0), coalesce(sum(l.overdue_amount), 0),
           coalesce(sum(l.current_dpd), 0), count(l.current_dpd),
           count(*) FILTER (WHERE l.early_indicator_tagged),
           count(*) FILTER (WHERE l.fimr_eligible),
           count(*) FILTER (WHERE l.fimr_eligible AND l.fimr_tagged)
    FROM loans l
    CROSS JOIN LATERAL (
        SELECT coalesce(loan_on_books(l.status, l.disbursement_date, l.closed_on,
                                      l.written_off_on, l.fields_as_of), false) AS on_books,
               coalesce(l.status NOT IN ('Pending', 'Cancelled')
                        AND l.disbursement_date <= l.fields_as_of, false) AS counted) x
    WHERE x.on_books OR x.counted
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12;
    UPDATE loan_cube_state SET valid = true, rebuilt_at = now();
END $$;

CREATE TRIGGER loans_cube_insert AFTER INSERT ON loans FOR EACH ROW
    WHEN (current_setting('astrofinance.loan_cube_bulk', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION loan_cube_note();
CREATE TRIGGER loans_cube_delete AFTER DELETE ON loans FOR EACH ROW
    WHEN (current_setting('astrofinance.loan_cube_bulk', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION loan_cube_note();
CREATE TRIGGER loans_cube_update AFTER UPDATE ON loans FOR EACH ROW
    WHEN (current_setting('astrofinance.loan_cube_bulk', true) IS DISTINCT FROM 'on'
          AND (old.fields_as_of, old.officer_id, old.branch, old.region, old.supervisor_email,
               old.vertical_lead_email, old.vertical_lead_name, old.wave, old.product,
               old.status, old.disbursement_date, old.closed_on, old.written_off_on,
               old.current_dpd, old.principal_outstanding, old.overdue_amount,
               old.early_indicator_tagged, old.fimr_eligible, old.fimr_tagged)
              IS DISTINCT FROM
              (new.fields_as_of, new.officer_id, new.branch, new.region, new.supervisor_email,
               new.vertical_lead_email, new.vertical_lead_name, new.wave, new.product,
               new.status, new.disbursement_date, new.closed_on, new.written_off_on,
               new.current_dpd, new.principal_outstanding, new.overdue_amount,
               new.early_indicator_tagged, new.fimr_eligible, new.fimr_tagged))
    EXECUTE FUNCTION loan_cube_note();

CREATE TRIGGER loans_cube_fold AFTER INSERT OR UPDATE OR DELETE ON loans
    FOR EACH STATEMENT EXECUTE FUNCTION loan_cube_fold();

CREATE FUNCTION loan_cube_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM loan_cube;
    RETURN NULL;
END $$;
CREATE TRIGGER loans_cube_truncate AFTER TRUNCATE ON loans
    FOR EACH STATEMENT EXECUTE FUNCTION loan_cube_truncated();

SELECT loan_cube_rebuild();
