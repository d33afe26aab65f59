-- AstroFinance schema, revision 0005: the loan book (products, origination, payments) and its
-- double-entry ledger. Money moves through `transactions`; a repayment's money lives once, in
-- `repayments` (the metrics engine's table): its transaction references it and carries no
-- amount of its own (vw_transactions shows one). Loans booked here have a `loan_accounts` row;
-- loans synced or imported from another system have none and stay outside the ledger.

-- Biweekly loans; schedules written by the loan book ('lending': not regenerated from terms);
-- penalties charged to a loan are part of what it must repay.
ALTER TABLE loans DROP CONSTRAINT loans_frequency_check,
    ADD CONSTRAINT loans_frequency_check
        CHECK (frequency IN ('daily', 'weekly', 'biweekly', 'monthly'));
ALTER TABLE loans DROP CONSTRAINT loans_schedule_source_check,
    ADD CONSTRAINT loans_schedule_source_check
        CHECK (schedule_source IN ('generated', 'supplied', 'lending'));
ALTER TABLE loans ADD COLUMN penalty_amount numeric(18,2) NOT NULL DEFAULT 0
    CHECK (penalty_amount >= 0);
ALTER TABLE loans DROP CONSTRAINT loans_repayment_amount_ck,
    ADD CONSTRAINT loans_repayment_amount_ck
        CHECK (repayment_amount = loan_amount + interest_amount + fee_amount + penalty_amount);

-- The allocation order: a permutation of the four components in which fees and penalties are
-- neighbours (both are charges, booked to one receivable; see docs/loan-book.md).
CREATE FUNCTION valid_allocation_order(o text[]) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT cardinality(o) = 4
       AND o @> ARRAY['penalty', 'fee', 'interest', 'principal']
       AND abs(array_position(o, 'penalty') - array_position(o, 'fee')) = 1
$$;

-- The order as the metrics engine's allocation reads it: C charges, I interest, P principal.
CREATE FUNCTION allocation_code(o text[]) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT replace(string_agg(CASE x WHEN 'interest' THEN 'I' WHEN 'principal' THEN 'P'
                                     ELSE 'C' END, '' ORDER BY i), 'CC', 'C')
    FROM unnest(o) WITH ORDINALITY AS u(x, i)
$$;

CREATE TABLE products (
    code              text COLLATE "C" PRIMARY KEY CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$'),
    name              text NOT NULL CHECK (btrim(name) <> ''),
    interest_method   text NOT NULL CHECK (interest_method IN ('flat', 'declining_balance')),
    annual_rate       numeric(9,4) NOT NULL CHECK (annual_rate >= 0 AND annual_rate <= 1000),
    frequency         text NOT NULL CHECK (frequency IN ('daily', 'weekly', 'biweekly', 'monthly')),
    min_principal     numeric(18,2) NOT NULL DEFAULT 1 CHECK (min_principal > 0),
    max_principal     numeric(18,2) CHECK (max_principal >= min_principal),
    min_installments  integer NOT NULL DEFAULT 1 CHECK (min_installments >= 1),
    max_installments  integer CHECK (max_installments >= min_installments AND max_installments <= 1000),
    fee_rate          numeric(9,4) NOT NULL DEFAULT 0 CHECK (fee_rate >= 0 AND fee_rate < 100),
    fee_flat          numeric(18,2) NOT NULL DEFAULT 0 CHECK (fee_flat >= 0),
    fee_timing        text NOT NULL DEFAULT 'upfront' CHECK (fee_timing IN ('upfront', 'spread')),
    allocation_order  text[] NOT NULL DEFAULT ARRAY['penalty', 'fee', 'interest', 'principal']
                        CHECK (valid_allocation_order(allocation_order)),
    grace_days        integer NOT NULL DEFAULT 0 CHECK (grace_days BETWEEN 0 AND 366),
    fimr_grace_days   integer CHECK (fimr_grace_days BETWEEN 0 AND 366),
    is_active         boolean NOT NULL DEFAULT true,
    created_by        text NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT products_declining_frequency_ck
        CHECK (interest_method <> 'declining_balance' OR frequency <> 'daily')
);

-- A loan booked here: its product, the terms copied from the product when it was created (a
-- later change to the product does not change existing loans) and who did what, when.
-- The status itself is loans.status (one place).
CREATE TABLE loan_accounts (
    loan_id                   text COLLATE "C" PRIMARY KEY
                                REFERENCES loans (loan_id) ON UPDATE CASCADE,
    product_code              text COLLATE "C" NOT NULL REFERENCES products (code),
    interest_method           text NOT NULL CHECK (interest_method IN ('flat', 'declining_balance')),
    annual_rate               numeric(9,4) NOT NULL,
    fee_timing                text NOT NULL CHECK (fee_timing IN ('upfront', 'spread')),
    fee_total                 numeric(18,2) NOT NULL DEFAULT 0 CHECK (fee_total >= 0),
    allocation_order          text[] NOT NULL CHECK (valid_allocation_order(allocation_order)),
    alloc_code                text GENERATED ALWAYS AS (allocation_code(allocation_order)) STORED,
    grace_days                integer NOT NULL DEFAULT 0,
    fimr_grace_days           integer,
    requested_first_due_date  date,
    created_by                text NOT NULL,
    created_at                timestamptz NOT NULL DEFAULT now(),
    approved_by               text,
    approved_at               timestamptz,
    rejected_by               text,
    rejected_at               timestamptz,
    cancelled_by              text,
    cancelled_at              timestamptz,
    close_reason              text,
    disbursed_by              text,
    disbursed_at              timestamptz,
    written_off_by            text,
    written_off_at            timestamptz,
    defaulted_by              text,
    defaulted_at              timestamptz,
    CONSTRAINT loan_accounts_approval_ck CHECK ((approved_by IS NULL) = (approved_at IS NULL)),
    CONSTRAINT loan_accounts_disbursal_ck
        CHECK (disbursed_at IS NULL OR approved_at IS NOT NULL)
);
CREATE INDEX loan_accounts_product_idx ON loan_accounts (product_code);

CREATE TABLE transactions (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    loan_id          text COLLATE "C" NOT NULL REFERENCES loans (loan_id) ON UPDATE CASCADE,
    txn_type         text NOT NULL CHECK (txn_type IN ('disbursement', 'repayment', 'reversal',
                                                       'fee_charge', 'penalty_charge', 'write_off')),
    txn_date         date NOT NULL,
    amount           numeric(18,2) CHECK (amount > 0),
    repayment_id     text COLLATE "C" REFERENCES repayments (repayment_id) ON UPDATE CASCADE,
    reverses_id      bigint UNIQUE REFERENCES transactions (id),
    installment_no   integer,
    idempotency_key  text UNIQUE CHECK (btrim(idempotency_key) <> ''),
    note             text,
    created_by       text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    -- a repayment's amount is its repayments row's; a reversal's is the reversed repayment's
    CONSTRAINT transactions_money_ck CHECK (
        (txn_type IN ('repayment', 'reversal')) = (repayment_id IS NOT NULL)
        AND (txn_type IN ('repayment', 'reversal')) = (amount IS NULL)),
    CONSTRAINT transactions_reversal_ck CHECK ((txn_type = 'reversal') = (reverses_id IS NOT NULL)),
    CONSTRAINT transactions_installment_ck
        CHECK (installment_no IS NULL OR txn_type IN ('fee_charge', 'penalty_charge'))
);
CREATE INDEX transactions_loan_idx ON transactions (loan_id, id);
CREATE INDEX transactions_date_idx ON transactions (txn_date);
CREATE UNIQUE INDEX transactions_repayment_uq ON transactions (repayment_id)
    WHERE txn_type = 'repayment';
CREATE UNIQUE INDEX transactions_once_per_loan_uq ON transactions (loan_id, txn_type)
    WHERE txn_type IN ('disbursement', 'write_off');

CREATE VIEW vw_transactions AS
SELECT t.id AS transaction_id, t.loan_id, t.txn_type, t.txn_date,
       coalesce(t.amount, r.payment_amount) AS amount,
       t.repayment_id, t.reverses_id, t.installment_no, t.idempotency_key,
       r.channel, r.reference, t.note, t.created_by, t.created_at,
       (t.txn_type = 'repayment' AND r.is_reversed) AS is_reversed
FROM transactions t
LEFT JOIN repayments r ON r.repayment_id = t.repayment_id;

-- The chart of accounts (a standard microfinance chart; lenders may add accounts).
CREATE TABLE chart_of_accounts (
    code          text COLLATE "C" PRIMARY KEY CHECK (code ~ '^[0-9]{4}$'),
    name          text NOT NULL,
    account_type  text NOT NULL CHECK (account_type IN ('asset', 'liability', 'equity',
                                                        'income', 'expense')),
    -- the side on which the balance normally sits (a contra account has the other side)
    normal_side   text NOT NULL CHECK (normal_side IN ('debit', 'credit')),
    description   text,
    is_active     boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now()
);
INSERT INTO chart_of_accounts (code, name, account_type, normal_side, description) VALUES
 ('1000', 'Cash on hand', 'asset', 'debit', 'Disbursements paid and repayments received'),
 ('1010', 'Bank accounts', 'asset', 'debit', 'Balances held with banks'),
 ('1100', 'Loans receivable (principal)', 'asset', 'debit',
  'Principal disbursed, less principal repaid and written off'),
 ('1150', 'Fees and penalties receivable', 'asset', 'debit',
  'Fees and penalties charged and not yet collected'),
 ('1190', 'Loan-loss provision (allowance)', 'asset', 'credit',
  'Contra-asset: provision required by the CBN prudential classes'),
 ('2100', 'Customer overpayments', 'liability', 'credit',
  'Money received beyond what a loan owes'),
 ('3000', 'Share capital', 'equity', 'credit', 'Owners'' capital'),
 ('3100', 'Retained earnings', 'equity', 'credit', 'Accumulated profit'),
 ('4000', 'Interest income', 'income', 'credit', 'Interest collected (cash basis)'),
 ('4100', 'Fee income', 'income', 'credit', 'Fees charged (upfront, spread or ad hoc)'),
 ('4200', 'Penalty income', 'income', 'credit', 'Penalties charged'),
 ('4300', 'Recoveries of written-off loans', 'income', 'credit',
  'Money received on loans after their write-off'),
 ('5100', 'Loan-loss provision expense', 'expense', 'debit',
  'Change in the required provision'),
 ('5200', 'Loans written off', 'expense', 'debit',
  'Principal and charges written off');

CREATE TABLE journal_entries (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entry_date      date NOT NULL,
    entry_type      text NOT NULL CHECK (entry_type IN ('disbursement', 'repayment', 'reversal',
                        'fee_charge', 'penalty_charge', 'write_off', 'provision', 'manual')),
    transaction_id  bigint UNIQUE REFERENCES transactions (id),
    loan_id         text COLLATE "C" REFERENCES loans (loan_id) ON UPDATE CASCADE,
    description     text NOT NULL,
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX journal_entries_date_idx ON journal_entries (entry_date);
CREATE INDEX journal_entries_loan_idx ON journal_entries (loan_id);

-- component: what a loan's line stands for, so the ledger knows what it has booked per loan
-- (principal, interest, charges and overpayment collected; the disbursement; a write-off).
CREATE TABLE journal_entry_details (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entry_id      bigint NOT NULL REFERENCES journal_entries (id),
    account_code  text COLLATE "C" NOT NULL REFERENCES chart_of_accounts (code),
    loan_id       text COLLATE "C" REFERENCES loans (loan_id) ON UPDATE CASCADE,
    component     text CHECK (component IN ('cash', 'disbursement', 'principal', 'interest',
                        'charges', 'overpayment', 'charged', 'write_off', 'recovery',
                        'provision')),
    debit         numeric(18,2) NOT NULL DEFAULT 0 CHECK (debit >= 0),
    credit        numeric(18,2) NOT NULL DEFAULT 0 CHECK (credit >= 0),
    CONSTRAINT journal_entry_details_side_ck CHECK ((debit > 0) <> (credit > 0))
);
CREATE INDEX journal_entry_details_entry_idx ON journal_entry_details (entry_id);
CREATE INDEX journal_entry_details_account_idx ON journal_entry_details (account_code);
CREATE INDEX journal_entry_details_loan_idx ON journal_entry_details (loan_id, component)
    WHERE loan_id IS NOT NULL;

-- Every entry balances and has at least two lines: checked at commit (a deferred constraint
-- trigger), so an entry is written line by line inside one transaction.
CREATE OR REPLACE FUNCTION journal_entry_check_balance() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_entry bigint;
    v_debit numeric;
    v_credit numeric;
    v_lines integer;
BEGIN
    IF TG_TABLE_NAME = 'journal_entries' THEN
        v_entry := NEW.id;
    ELSIF TG_OP = 'DELETE' THEN
        v_entry := OLD.entry_id;
    ELSE
        v_entry := NEW.entry_id;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM journal_entries WHERE id = v_entry) THEN
        RETURN NULL;
    END IF;
    SELECT coalesce(sum(debit), 0), coalesce(sum(credit), 0), count(*)
    INTO v_debit, v_credit, v_lines
    FROM journal_entry_details WHERE entry_id = v_entry;
    IF v_debit <> v_credit OR v_lines < 2 THEN
        RAISE EXCEPTION 'journal entry % does not balance: debits % and credits % over % lines',
            v_entry, v_debit, v_credit, v_lines
            USING ERRCODE = 'AF422';
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER trg_journal_entry_details_balance
    AFTER INSERT OR UPDATE OR DELETE ON journal_entry_details
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION journal_entry_check_balance();
CREATE CONSTRAINT TRIGGER trg_journal_entries_balance
    AFTER INSERT ON journal_entries
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION journal_entry_check_balance();

-- Posted entries are never edited: a correction is a reversing entry.
CREATE FUNCTION journal_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'journal entries are append-only: post a reversing entry instead'
        USING ERRCODE = 'AF409';
END $$;
CREATE TRIGGER trg_journal_entries_append_only BEFORE UPDATE OR DELETE ON journal_entries
    FOR EACH ROW EXECUTE FUNCTION journal_is_append_only();
CREATE TRIGGER trg_journal_entry_details_append_only
    BEFORE UPDATE OR DELETE ON journal_entry_details
    FOR EACH ROW EXECUTE FUNCTION journal_is_append_only();
