-- AstroFinance schema, revision 0001: the portfolio metrics engine.
-- Names follow shared/spec/interfaces.md ("The database, for operators' SQL").
-- Room is left for users, products, transactions and journal entries (a later revision adds
-- them and references these tables; nothing here needs rewriting for it).

CREATE TABLE app_settings (
    key         text PRIMARY KEY,
    value       text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Public holidays. officer_id is NULL for company-wide holidays; a later revision's sync keeps
-- officer-specific rows (they apply only to that officer's loans).
CREATE TABLE holidays (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    holiday_date  date NOT NULL,
    name          text NOT NULL CHECK (btrim(name) <> ''),
    estimated     boolean NOT NULL DEFAULT false,
    source        text NOT NULL DEFAULT 'manual',
    officer_id    text COLLATE "C",
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX holidays_company_date_uq ON holidays (holiday_date) WHERE officer_id IS NULL;
CREATE UNIQUE INDEX holidays_officer_date_uq ON holidays (officer_id, holiday_date)
    WHERE officer_id IS NOT NULL;

-- Derived from the work week and the company-wide holidays; rebuilt by rebuild_business_calendar().
CREATE TABLE business_calendar (
    day                date PRIMARY KEY,
    is_business_day    boolean NOT NULL,
    business_day_index integer NOT NULL,   -- business days from the calendar start up to `day`
    next_business_day  date NOT NULL       -- `day` itself when it is a business day
);
CREATE INDEX business_calendar_bd_idx ON business_calendar (business_day_index)
    WHERE is_business_day;

CREATE TABLE officers (
    officer_id           text COLLATE "C" PRIMARY KEY CHECK (btrim(officer_id) <> ''),
    name                 text NOT NULL,
    email                text,
    phone                text,
    branch               text,
    region               text,
    hire_date            date,
    user_type            text,
    status               text,
    supervisor_email     text,
    supervisor_name      text,
    vertical_lead_email  text,
    vertical_lead_name   text,
    user_id              bigint,              -- link to a user (later revision adds the FK)
    source_system        text NOT NULL DEFAULT 'astrofinance',
    source_id            text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX officers_email_idx ON officers (lower(email));
CREATE INDEX officers_branch_idx ON officers (branch);

CREATE TABLE customers (
    customer_id    text COLLATE "C" PRIMARY KEY CHECK (btrim(customer_id) <> ''),
    name           text NOT NULL,
    phone          text,
    email          text,
    officer_id     text COLLATE "C" REFERENCES officers (officer_id) ON UPDATE CASCADE,
    branch         text,
    state          text,
    source_system  text NOT NULL DEFAULT 'astrofinance',
    source_id      text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customers_officer_idx ON customers (officer_id);

-- Wave rules as data: the first active rule (lowest priority number) whose conditions all hold
-- gives the wave; a rule without conditions is the default.
CREATE TABLE wave_rules (
    id                        integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    priority                  integer NOT NULL,
    wave                      text NOT NULL CHECK (wave ~ '^Wave [0-9]+$'),
    officer_hired_on_or_after date,
    disbursed_on_or_after     date,
    active                    boolean NOT NULL DEFAULT true,
    description               text,
    created_at                timestamptz NOT NULL DEFAULT now()
);
INSERT INTO wave_rules (priority, wave, officer_hired_on_or_after, disbursed_on_or_after, description)
VALUES (10, 'Wave 2', DATE '2025-10-01', NULL, 'officer hired on or after 2025-10-01'),
       (20, 'Wave 2', NULL, DATE '2025-10-20', 'loan disbursed on or after 2025-10-20'),
       (1000, 'Wave 1', NULL, NULL, 'everything else');

CREATE TABLE loans (
    loan_id                 text COLLATE "C" PRIMARY KEY CHECK (btrim(loan_id) <> ''),
    customer_id             text COLLATE "C" REFERENCES customers (customer_id) ON UPDATE CASCADE,
    officer_id              text COLLATE "C" REFERENCES officers (officer_id) ON UPDATE CASCADE,
    product                 text,
    channel                 text,
    loan_amount             numeric(18,2) NOT NULL CHECK (loan_amount > 0),
    interest_amount         numeric(18,2) NOT NULL DEFAULT 0 CHECK (interest_amount >= 0),
    fee_amount              numeric(18,2) NOT NULL DEFAULT 0 CHECK (fee_amount >= 0),
    repayment_amount        numeric(18,2) NOT NULL,
    installments            integer NOT NULL CHECK (installments >= 1),
    frequency               text NOT NULL CHECK (frequency IN ('daily', 'weekly', 'monthly')),
    disbursement_date       date NOT NULL,
    first_payment_due_date  date,
    status                  text NOT NULL CHECK (status IN
                              ('Pending', 'Active', 'Defaulted', 'Closed', 'Written Off', 'Cancelled')),
    written_off_on          date,
    closed_on               date,
    wave                    text,
    branch                  text,
    region                  text,
    supervisor_email        text,
    supervisor_name         text,
    vertical_lead_email     text,
    vertical_lead_name      text,
    schedule_source         text NOT NULL DEFAULT 'generated'
                              CHECK (schedule_source IN ('generated', 'supplied')),
    source_system           text NOT NULL DEFAULT 'astrofinance',
    source_id               text,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    -- per-loan computed fields (shared/spec/metrics.md), as of fields_as_of
    fields_as_of                      date,
    fields_updated_at                 timestamptz,
    total_repayments                  numeric(18,2),
    principal_outstanding             numeric(18,2),
    interest_outstanding              numeric(18,2),
    fees_outstanding                  numeric(18,2),
    total_outstanding                 numeric(18,2),
    actual_outstanding                numeric(18,2),
    overpaid_amount                   numeric(18,2),
    daily_repayment_amount            numeric(18,2),
    repayment_days_due_today          integer,
    repayment_days_paid               numeric(12,2),
    current_dpd                       integer,
    max_dpd_ever                      integer,
    installments_in_arrears           integer,
    fimr_tagged                       boolean,
    early_indicator_tagged            boolean,
    repayment_delay_rate              numeric(5,2),
    timeliness_score                  numeric(5,2),
    repayment_health                  numeric(5,2),
    days_since_last_repayment         integer,
    business_days_since_disbursement  integer,
    -- extra computed fields the portfolio metrics need (not in the export)
    overdue_amount                    numeric(18,2),  -- due before T (T' if written off) and unpaid
    fimr_eligible                     boolean,        -- first installment past due: T' > d_1 + g
    written_off_principal             numeric(18,2),  -- principal outstanding at written_off_on
    CONSTRAINT loans_repayment_amount_ck
        CHECK (repayment_amount = loan_amount + interest_amount + fee_amount),
    CONSTRAINT loans_first_due_ck
        CHECK (first_payment_due_date IS NULL OR first_payment_due_date >= disbursement_date),
    CONSTRAINT loans_written_off_ck
        CHECK (status <> 'Written Off' OR written_off_on IS NOT NULL),
    CONSTRAINT loans_written_off_date_ck
        CHECK (written_off_on IS NULL OR written_off_on >= disbursement_date),
    CONSTRAINT loans_closed_date_ck
        CHECK (closed_on IS NULL OR closed_on >= disbursement_date),
    CONSTRAINT loans_outstanding_ck
        CHECK (principal_outstanding >= 0 AND interest_outstanding >= 0
               AND fees_outstanding >= 0 AND actual_outstanding >= 0 AND overpaid_amount >= 0),
    CONSTRAINT loans_dpd_ck CHECK (current_dpd >= 0 AND max_dpd_ever >= current_dpd)
) WITH (fillfactor = 50);  -- the daily recalculation rewrites every row: keep it a HOT update
CREATE INDEX loans_officer_idx ON loans (officer_id);
CREATE INDEX loans_customer_idx ON loans (customer_id);
CREATE INDEX loans_status_idx ON loans (status);
CREATE INDEX loans_wave_idx ON loans (wave);
CREATE INDEX loans_branch_idx ON loans (branch);
CREATE INDEX loans_region_idx ON loans (region);
CREATE INDEX loans_vertical_lead_idx ON loans (vertical_lead_email);
CREATE INDEX loans_disbursement_idx ON loans (disbursement_date);
CREATE UNIQUE INDEX loans_source_uq ON loans (source_system, source_id) WHERE source_id IS NOT NULL;

-- The schedule: one row per installment. The date each installment became fully paid (m_i)
-- is kept per loan in loan_state.paid and shown per installment by the view
-- vw_payment_schedules (paid_on).
CREATE TABLE payment_schedules (
    loan_id          text COLLATE "C" NOT NULL REFERENCES loans (loan_id) ON DELETE CASCADE ON UPDATE CASCADE,
    installment_no   integer NOT NULL CHECK (installment_no >= 1),
    due_date         date NOT NULL,
    principal_due    numeric(18,2) NOT NULL DEFAULT 0 CHECK (principal_due >= 0),
    interest_due     numeric(18,2) NOT NULL DEFAULT 0 CHECK (interest_due >= 0),
    fee_due          numeric(18,2) NOT NULL DEFAULT 0 CHECK (fee_due >= 0),
    penalty_due      numeric(18,2) NOT NULL DEFAULT 0 CHECK (penalty_due >= 0),
    amount_due       numeric(18,2) GENERATED ALWAYS AS
                       (principal_due + interest_due + fee_due + penalty_due) STORED,
    cumulative_due   numeric(18,2) NOT NULL CHECK (cumulative_due >= 0),
    PRIMARY KEY (loan_id, installment_no)
);
CREATE INDEX payment_schedules_due_idx ON payment_schedules (due_date);

CREATE TABLE repayments (
    repayment_id    text COLLATE "C" PRIMARY KEY CHECK (btrim(repayment_id) <> ''),
    loan_id         text COLLATE "C" NOT NULL REFERENCES loans (loan_id) ON DELETE CASCADE ON UPDATE CASCADE,
    payment_date    date NOT NULL,
    payment_amount  numeric(18,2) NOT NULL CHECK (payment_amount > 0),
    is_reversed     boolean NOT NULL DEFAULT false,
    channel         text,
    reference       text,
    source_system   text NOT NULL DEFAULT 'astrofinance',
    source_id       text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX repayments_loan_date_idx ON repayments (loan_id, payment_date);
CREATE INDEX repayments_date_idx ON repayments (payment_date);
CREATE INDEX repayments_updated_idx ON repayments (updated_at, repayment_id);

-- Per-loan state, so that the fields as of any day are computed per loan in O(log n) without
-- reading installments or repayments again. Money in cents (bigint); arrays indexed by
-- installment number.
-- loan_schedule_state: derived from the schedule, rebuilt whenever the schedule is (re)written.
--   dues[i] d_i   cum[i] a_1 + ... + a_i   cum_fee[i] fees+penalties of 1..i   cum_int[i] interest
CREATE TABLE loan_schedule_state (
    loan_id   text COLLATE "C" PRIMARY KEY
                REFERENCES loans (loan_id) ON DELETE CASCADE ON UPDATE CASCADE,
    n         integer NOT NULL CHECK (n >= 1),
    dues      date[] NOT NULL,
    cum       bigint[] NOT NULL,
    cum_fee   bigint[] NOT NULL,
    cum_int   bigint[] NOT NULL
) WITH (toast_tuple_target = 8160);
-- loan_state: derived from the schedule and the non-reversed repayments; rebuilt only for the
-- loans in stale_loans (filled by triggers on repayments and by schedule changes).
--   paid[i]      m_i, for the installments fully paid by all repayments (a prefix)
--   late_max[i]  max over j <= i of (m_j - 1 - d_j)
--   on_time[i]   count of j <= i with m_j <= d_j
--   marks[i]     sum over j <= i of max(0, 30 - max(0, m_j - d_j))   (timeliness, in 30ths)
CREATE TABLE loan_state (
    loan_id               text COLLATE "C" PRIMARY KEY
                            REFERENCES loans (loan_id) ON DELETE CASCADE ON UPDATE CASCADE,
    paid                  date[],
    late_max              integer[],
    on_time               integer[],
    marks                 integer[],
    repaid_total          numeric(18,2) NOT NULL DEFAULT 0,
    first_repayment_date  date,
    last_repayment_date   date
) WITH (toast_tuple_target = 8160);
-- uncompressed and inline while they fit: subscripts then cost no detoasting
ALTER TABLE loan_schedule_state ALTER COLUMN dues SET STORAGE EXTERNAL,
    ALTER COLUMN cum SET STORAGE EXTERNAL, ALTER COLUMN cum_fee SET STORAGE EXTERNAL,
    ALTER COLUMN cum_int SET STORAGE EXTERNAL;
ALTER TABLE loan_state ALTER COLUMN paid SET STORAGE EXTERNAL,
    ALTER COLUMN late_max SET STORAGE EXTERNAL, ALTER COLUMN on_time SET STORAGE EXTERNAL,
    ALTER COLUMN marks SET STORAGE EXTERNAL;

CREATE TABLE stale_loans (
    loan_id    text COLLATE "C" PRIMARY KEY,
    marked_at  timestamptz NOT NULL DEFAULT now()
);

-- Installments with the date each became fully paid.
CREATE VIEW vw_payment_schedules AS
SELECT s.loan_id, s.installment_no, s.due_date, s.principal_due, s.interest_due, s.fee_due,
       s.penalty_due, s.amount_due, s.cumulative_due, st.paid[s.installment_no] AS paid_on
FROM payment_schedules s LEFT JOIN loan_state st USING (loan_id);

CREATE TABLE sync_tracking (
    entity            text PRIMARY KEY,
    last_sync_at      timestamptz,
    watermark_at      timestamptz,
    watermark_id      text,
    rows_synced       bigint NOT NULL DEFAULT 0,
    last_status       text,
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- Imports of the CSV bundle and the rows they rejected (kept, never silently lost).
CREATE TABLE import_runs (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source        text NOT NULL,
    started_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    status        text NOT NULL DEFAULT 'running'
                    CHECK (status IN ('running', 'succeeded', 'failed', 'partial')),
    skip_invalid  boolean NOT NULL DEFAULT false,
    counts        jsonb NOT NULL DEFAULT '{}'::jsonb,
    message       text
);
CREATE TABLE import_rejects (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    import_id    bigint NOT NULL REFERENCES import_runs (id) ON DELETE CASCADE,
    file         text NOT NULL,
    line         integer NOT NULL,
    column_name  text,
    value        text,
    reason       text NOT NULL,
    row_data     jsonb
);
CREATE INDEX import_rejects_import_idx ON import_rejects (import_id);

-- One row per recalculation (the numbers and how long it took).
CREATE TABLE recalculation_runs (
    id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    as_of                  date NOT NULL,
    started_at             timestamptz NOT NULL DEFAULT clock_timestamp(),
    total_loans_processed  integer,
    loans_updated          integer,
    execution_time_ms      integer
);
