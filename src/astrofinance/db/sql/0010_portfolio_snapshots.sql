-- Daily portfolio snapshots (metrics/snapshots.py, docs/metrics.md "Daily snapshots"): the
-- book's GLP, PAR and overdue amounts as of a day, per officer, branch, region, supervisor,
-- vertical lead, wave and product. These are the portfolio filters' dimensions as the loans
-- carry them (branch ... vertical lead are copied onto loans from their officer), stored with
-- the numbers, so a trend filters exactly as `metrics portfolio` does for that day, and a
-- loan without an officer (or whose officer has no branch) is filtered by its own values.
-- '' stands for "none" (a loan without an officer, product, ...): the key columns are NOT NULL
-- so the primary key is the grain. The key leads with as_of: it is the index on as_of too.
-- Derived data: stored by each full recalculation and by `metrics backfill`; no audit.
CREATE TABLE portfolio_snapshots (
    as_of                 date NOT NULL,
    officer_id            text COLLATE "C" NOT NULL,
    branch                text NOT NULL,
    region                text NOT NULL,
    supervisor_email      text NOT NULL,
    vertical_lead_email   text NOT NULL,
    wave                  text NOT NULL,
    product               text NOT NULL,
    gross_loan_portfolio  numeric(18,2) NOT NULL,
    par1_amount           numeric(18,2) NOT NULL,
    par7_amount           numeric(18,2) NOT NULL,
    par30_amount          numeric(18,2) NOT NULL,
    par90_amount          numeric(18,2) NOT NULL,
    overdue_amount        numeric(18,2) NOT NULL,
    loans_on_books        integer NOT NULL,
    loans_par1            integer NOT NULL,
    loans_par7            integer NOT NULL,
    loans_par30           integer NOT NULL,
    loans_par90           integer NOT NULL,
    computed_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT portfolio_snapshots_pkey PRIMARY KEY
        (as_of, officer_id, branch, region, supervisor_email, vertical_lead_email, wave, product),
    CONSTRAINT portfolio_snapshots_money_ck
        CHECK (gross_loan_portfolio >= 0 AND par1_amount >= 0 AND par7_amount >= 0
               AND par30_amount >= 0 AND par90_amount >= 0 AND overdue_amount >= 0),
    -- PARx is a part of the GLP, and a loan more than 30 days late is more than 7 days late
    CONSTRAINT portfolio_snapshots_par_ck
        CHECK (par90_amount <= par30_amount AND par30_amount <= par7_amount
               AND par7_amount <= par1_amount AND par1_amount <= gross_loan_portfolio),
    CONSTRAINT portfolio_snapshots_counts_ck
        CHECK (loans_par90 >= 0 AND loans_par90 <= loans_par30 AND loans_par30 <= loans_par7
               AND loans_par7 <= loans_par1 AND loans_par1 <= loans_on_books)
);

-- A trend read from snapshots is a report like the others: a snapshot written (a backfill)
-- moves the data version on, so the API's cached answers are recomputed (migration 0009).
CREATE TRIGGER portfolio_snapshots_data_version
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON portfolio_snapshots
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
