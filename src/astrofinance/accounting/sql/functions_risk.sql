-- Risk operations on the loans booked in this ledger (loan_accounts):
--   mark_defaulted_loans(days_threshold, created_by)   Active beyond the DPD threshold -> Defaulted
--   provision_report(as_of)                            CBN classes and the provision they require
--   loan_loss_allowance(as_of)                         the 1190 balance (credit) as of a date
--   book_loan_loss_provision(as_of, created_by)        the entry bringing 1190 to that total
-- The per-loan numbers always come from compute_loan_fields (computed now, never read from
-- stored fields that may predate later payments): a change of status or a posting must not
-- rest on stale numbers. Errors carry SQLSTATE AF409 / AF422 and a message for the user; the
-- acting user is set for the audit log by lending_act_as (lending/sql/functions_lending.sql).

-- Ledger loans with status Active whose current_dpd as of business_today() is greater than
-- days_threshold become Defaulted (loan_accounts.defaulted_by/at record who and when).
-- Returns how many loans changed. Loans from other systems keep the status their system gives.
CREATE OR REPLACE FUNCTION mark_defaulted_loans(days_threshold integer, created_by text)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    v_ids text[];
    v_count integer;
BEGIN
    IF days_threshold IS NULL OR days_threshold < 0 THEN
        RAISE EXCEPTION 'the DPD threshold must be 0 or more days, got %',
            coalesce(days_threshold::text, 'nothing') USING ERRCODE = 'AF422';
    END IF;
    PERFORM lending_act_as(mark_defaulted_loans.created_by);
    SELECT coalesce(array_agg(a.loan_id), '{}') INTO v_ids
    FROM loan_accounts a JOIN loans l ON l.loan_id = a.loan_id
    WHERE l.status = 'Active';
    WITH late AS (
        SELECT f.loan_id FROM compute_loan_fields(business_today(), v_ids) f
        WHERE f.current_dpd > mark_defaulted_loans.days_threshold
    ), marked AS (
        UPDATE loans l SET status = 'Defaulted', updated_at = now()
        FROM late WHERE l.loan_id = late.loan_id AND l.status = 'Active'
        RETURNING l.loan_id
    )
    UPDATE loan_accounts a
    SET defaulted_by = mark_defaulted_loans.created_by, defaulted_at = now()
    FROM marked WHERE a.loan_id = marked.loan_id;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END $$;

-- The ledger loans on the books as of a date per CBN prudential class (cbn_classes(): the
-- metrics' one class table): count, principal outstanding, the class's rate (percent) and the
-- provision it requires, rate x principal rounded half-up to kobo per class. Every class has a
-- row, in order.
CREATE OR REPLACE FUNCTION provision_report(as_of date DEFAULT business_today())
RETURNS TABLE (class_key text, label text, min_dpd integer, max_dpd integer, loans bigint,
               principal_outstanding numeric(18,2), provision_rate integer,
               required_provision numeric(18,2))
LANGUAGE sql AS $$
    WITH f AS (
        SELECT f.principal_outstanding, f.current_dpd
        FROM compute_loan_fields($1, ARRAY(
            SELECT l.loan_id FROM loan_accounts a JOIN loans l ON l.loan_id = a.loan_id
            WHERE loan_on_books(l.status, l.disbursement_date, l.closed_on, l.written_off_on,
                                $1))) f
    ), per_class AS (
        SELECT c.class_key, c.label, c.min_dpd, c.max_dpd, c.provision_rate, c.class_order,
               count(f.current_dpd) AS loans,
               coalesce(sum(f.principal_outstanding), 0) AS principal
        FROM cbn_classes() c
        LEFT JOIN f ON f.current_dpd BETWEEN c.min_dpd AND coalesce(c.max_dpd, 2147483647)
        GROUP BY c.class_key, c.label, c.min_dpd, c.max_dpd, c.provision_rate, c.class_order
    )
    SELECT p.class_key, p.label, p.min_dpd, p.max_dpd, p.loans, p.principal::numeric(18,2),
           p.provision_rate, round(p.principal * p.provision_rate / 100, 2)::numeric(18,2)
    FROM per_class p
    ORDER BY p.class_order
$$;

-- The loan-loss allowance: 1190's balance on its normal (credit) side over the entries dated up
-- to as_of.
CREATE OR REPLACE FUNCTION loan_loss_allowance(as_of date DEFAULT business_today())
RETURNS numeric(18,2) LANGUAGE sql STABLE AS $$
    SELECT coalesce(sum(d.credit - d.debit), 0)::numeric(18,2)
    FROM journal_entry_details d
    JOIN journal_entries e ON e.id = d.entry_id
    WHERE d.account_code = '1190' AND e.entry_date <= $1
$$;

-- Book the loan-loss provision as of a date: one journal entry (type 'provision', no
-- transaction) moving the allowance (1190, a credit balance) to the total provision_report
-- requires: Dr 5100 / Cr 1190 by the increase, or Dr 1190 / Cr 5100 by the decrease. Returns
-- the entry's id, or NULL (nothing posted) when the balance already is the requirement.
-- Refused for a future date, and before the date of a provision already booked (the later
-- entry rests on this balance).
CREATE OR REPLACE FUNCTION book_loan_loss_provision(as_of date, created_by text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_required numeric(18,2);
    v_balance numeric(18,2);
    v_delta numeric(18,2);
    v_latest date;
    v_entry bigint;
BEGIN
    PERFORM lending_act_as(book_loan_loss_provision.created_by);
    IF book_loan_loss_provision.as_of IS NULL
       OR book_loan_loss_provision.as_of > business_today() THEN
        RAISE EXCEPTION 'a provision is booked as of today or an earlier date, not %',
            coalesce(book_loan_loss_provision.as_of::text, 'no date') USING ERRCODE = 'AF422';
    END IF;
    -- one booking at a time: a second one waits, then sees the first's entry
    PERFORM pg_advisory_xact_lock(hashtext('astrofinance.provision'));
    SELECT max(e.entry_date) INTO v_latest FROM journal_entries e
    WHERE e.entry_type = 'provision';
    IF v_latest > book_loan_loss_provision.as_of THEN
        RAISE EXCEPTION 'a provision is already booked as of %: book as of that date or later',
            v_latest USING ERRCODE = 'AF409';
    END IF;
    SELECT coalesce(sum(p.required_provision), 0) INTO v_required
    FROM provision_report(book_loan_loss_provision.as_of) p;
    v_balance := loan_loss_allowance(book_loan_loss_provision.as_of);
    v_delta := v_required - v_balance;
    IF v_delta = 0 THEN
        RETURN NULL;
    END IF;
    INSERT INTO journal_entries (entry_date, entry_type, description, created_by)
    VALUES (book_loan_loss_provision.as_of, 'provision',
            format('Loan-loss provision as of %s: required %s, allowance was %s',
                   book_loan_loss_provision.as_of, v_required, v_balance),
            book_loan_loss_provision.created_by)
    RETURNING id INTO v_entry;
    INSERT INTO journal_entry_details (entry_id, account_code, component, debit, credit)
    VALUES (v_entry, '5100', 'provision', greatest(v_delta, 0), greatest(-v_delta, 0)),
           (v_entry, '1190', 'provision', greatest(-v_delta, 0), greatest(v_delta, 0));
    RETURN v_entry;
END $$;
