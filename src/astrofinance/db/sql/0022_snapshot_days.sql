-- The snapshots' day totals and change counter (metrics/snapshots.py trend).
--
-- A trend chart reads 90 days of snapshots; at the snapshot grain (officer, branch, region,
-- supervisor, vertical lead, wave, product) that is about 10,000 rows a day at 200,000
-- loans, 900,000 rows for the overview's chart: 0.8 s on every page view after any change
-- of the book. The book-wide trend (no filter) reads portfolio_snapshot_days instead, one
-- row per day, kept equal to the sums of that day's snapshot rows by the triggers below
-- (recomputed from the rows of every day a statement touches, whoever wrote it). A trend
-- by officer (a loan officer's scope, a team's, an officer's page) reads the snapshot rows
-- by the new index on (officer_id, as_of). Any other filter reads the day's rows; its
-- answer is kept until a snapshot changes (snapshots_version, db/versions.py), not only
-- until the book changes.
CREATE TABLE portfolio_snapshot_days (
    as_of                 date PRIMARY KEY,
    gross_loan_portfolio  numeric(18,2) NOT NULL,
    par1_amount           numeric(18,2) NOT NULL,
    par7_amount           numeric(18,2) NOT NULL,
    par30_amount          numeric(18,2) NOT NULL,
    par90_amount          numeric(18,2) NOT NULL,
    overdue_amount        numeric(18,2) NOT NULL,
    loans_on_books        bigint NOT NULL,
    loans_par1            bigint NOT NULL,
    loans_par7            bigint NOT NULL,
    loans_par30           bigint NOT NULL,
    loans_par90           bigint NOT NULL
);

CREATE INDEX portfolio_snapshots_officer_idx ON portfolio_snapshots (officer_id, as_of);

CREATE SEQUENCE snapshots_version;

-- The day totals of the given days, recomputed from their snapshot rows (a day left with
-- none loses its total).
CREATE FUNCTION portfolio_snapshot_days_refresh(days date[]) RETURNS void
LANGUAGE sql AS $$
    DELETE FROM portfolio_snapshot_days d
    WHERE d.as_of = ANY(days)
      AND NOT EXISTS (SELECT 1 FROM portfolio_snapshots s WHERE s.as_of = d.as_of);
    INSERT INTO portfolio_snapshot_days AS d
    SELECT s.as_of, sum(s.gross_loan_portfolio), sum(s.par1_amount), sum(s.par7_amount),
           sum(s.par30_amount), sum(s.par90_amount), sum(s.overdue_amount),
           sum(s.loans_on_books), sum(s.loans_par1), sum(s.loans_par7), sum(s.loans_par30),
           sum(s.loans_par90)
    FROM portfolio_snapshots s
    WHERE s.as_of = ANY(days)
    GROUP BY s.as_of
    ON CONFLICT (as_of) DO UPDATE SET
        gross_loan_portfolio = EXCLUDED.gross_loan_portfolio,
        par1_amount = EXCLUDED.par1_amount, par7_amount = EXCLUDED.par7_amount,
        par30_amount = EXCLUDED.par30_amount, par90_amount = EXCLUDED.par90_amount,
        overdue_amount = EXCLUDED.overdue_amount, loans_on_books = EXCLUDED.loans_on_books,
        loans_par1 = EXCLUDED.loans_par1, loans_par7 = EXCLUDED.loans_par7,
        loans_par30 = EXCLUDED.loans_par30, loans_par90 = EXCLUDED.loans_par90;
$$;

-- One function for the four statement triggers: each names the days its rows had or have
-- (a trigger sees only the transition tables it declares: the branch per TG_OP reads those).
CREATE FUNCTION portfolio_snapshots_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval('snapshots_version');
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE portfolio_snapshot_days;
    ELSIF TG_OP = 'INSERT' THEN
        PERFORM portfolio_snapshot_days_refresh(ARRAY(SELECT DISTINCT as_of FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM portfolio_snapshot_days_refresh(ARRAY(SELECT DISTINCT as_of FROM old_rows));
    ELSE
        PERFORM portfolio_snapshot_days_refresh(ARRAY(
            SELECT as_of FROM old_rows UNION SELECT as_of FROM new_rows));
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER portfolio_snapshots_days_insert AFTER INSERT ON portfolio_snapshots
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portfolio_snapshots_changed();
CREATE TRIGGER portfolio_snapshots_days_update AFTER UPDATE ON portfolio_snapshots
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portfolio_snapshots_changed();
CREATE TRIGGER portfolio_snapshots_days_delete AFTER DELETE ON portfolio_snapshots
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portfolio_snapshots_changed();
CREATE TRIGGER portfolio_snapshots_days_truncate AFTER TRUNCATE ON portfolio_snapshots
    FOR EACH STATEMENT EXECUTE FUNCTION portfolio_snapshots_changed();

SELECT portfolio_snapshot_days_refresh(ARRAY(SELECT DISTINCT as_of FROM portfolio_snapshots));
