-- The loan book's rules, in the database so psql, the CLI and the API share them:
--   create_loan, approve_loan, reject_loan, cancel_loan, disburse_loan (origination)
--   generate_payment_schedule(loan_id, created_by)   flat or declining balance
--   record_loan_payment(loan_id, amount, payment_date, created_by [, key, channel, reference])
--   reverse_loan_payment(transaction_id, created_by [, reason])
--   charge_loan(loan_id, kind, amount, charge_date, created_by [, installment_no, note])
--   write_off_loan(loan_id, write_off_date, created_by [, reason])
-- Errors carry SQLSTATE AF404 (not found), AF409 (conflict with the loan's state) or AF422
-- (invalid input) and a message meant for the user; the Python services map them to typed
-- errors. Every function sets the acting user for the audit log (astrofinance.user).

CREATE OR REPLACE FUNCTION lending_act_as(p_user text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF p_user IS NULL OR btrim(p_user) = '' THEN
        RAISE EXCEPTION 'who is acting is required (created_by)' USING ERRCODE = 'AF422';
    END IF;
    PERFORM set_config('astrofinance.user', p_user, true);
END $$;

-- The loan, locked for the rest of the transaction; refuses loans not booked here.
CREATE OR REPLACE FUNCTION lending_lock_loan(p_loan_id text) RETURNS loans
LANGUAGE plpgsql AS $$
DECLARE
    v loans;
BEGIN
    SELECT * INTO v FROM loans WHERE loan_id = p_loan_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no loan %', p_loan_id USING ERRCODE = 'AF404';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM loan_accounts WHERE loan_id = p_loan_id) THEN
        RAISE EXCEPTION 'loan % is not booked in this ledger: it comes from % (its system of '
                        'record), where it is approved, disbursed, paid and written off; here '
                        'its metrics are computed from what the sync brings', p_loan_id,
                        v.source_system
            USING ERRCODE = 'AF409';
    END IF;
    RETURN v;
END $$;

CREATE OR REPLACE FUNCTION lending_check_date(p_date date, p_what text, p_not_before date)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF p_date IS NULL THEN
        RAISE EXCEPTION '% is required', p_what USING ERRCODE = 'AF422';
    END IF;
    IF p_date > business_today() THEN
        RAISE EXCEPTION '% % is in the future (today is %)', p_what, p_date, business_today()
            USING ERRCODE = 'AF422';
    END IF;
    IF p_date < p_not_before THEN
        RAISE EXCEPTION '% % is before the disbursement date %', p_what, p_date, p_not_before
            USING ERRCODE = 'AF422';
    END IF;
END $$;

CREATE OR REPLACE FUNCTION lending_check_amount(p_amount numeric, p_what text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF p_amount IS NULL OR p_amount <= 0 THEN
        RAISE EXCEPTION '% must be a positive amount, got %', p_what,
            coalesce(p_amount::text, 'nothing') USING ERRCODE = 'AF422';
    END IF;
    IF p_amount <> round(p_amount, 2) THEN
        RAISE EXCEPTION '% % has more than 2 decimals', p_what, p_amount USING ERRCODE = 'AF422';
    END IF;
END $$;

-- A loan application (Pending). Terms come from the product and are copied onto the loan.
CREATE OR REPLACE FUNCTION create_loan(p_loan_id text, p_customer_id text, p_product_code text,
                                       p_principal numeric, p_installments integer,
                                       p_disbursement_date date, p_created_by text,
                                       p_first_due_date date DEFAULT NULL,
                                       p_officer_id text DEFAULT NULL,
                                       p_channel text DEFAULT NULL)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    pr products;
    c customers;
    v_fee numeric(18,2);
BEGIN
    PERFORM lending_act_as(p_created_by);
    IF p_loan_id IS NULL OR btrim(p_loan_id) = '' THEN
        RAISE EXCEPTION 'a loan id is required' USING ERRCODE = 'AF422';
    END IF;
    IF EXISTS (SELECT 1 FROM loans WHERE loan_id = p_loan_id) THEN
        RAISE EXCEPTION 'loan % already exists', p_loan_id USING ERRCODE = 'AF409';
    END IF;
    SELECT * INTO pr FROM products WHERE code = p_product_code;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no product %', p_product_code USING ERRCODE = 'AF404';
    END IF;
    IF NOT pr.is_active THEN
        RAISE EXCEPTION 'product % is not active', p_product_code USING ERRCODE = 'AF409';
    END IF;
    SELECT * INTO c FROM customers WHERE customer_id = p_customer_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no customer %', p_customer_id USING ERRCODE = 'AF404';
    END IF;
    IF p_officer_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM officers
                                                WHERE officer_id = p_officer_id) THEN
        RAISE EXCEPTION 'no officer %', p_officer_id USING ERRCODE = 'AF404';
    END IF;
    PERFORM lending_check_amount(p_principal, 'principal');
    IF p_principal < pr.min_principal OR p_principal > coalesce(pr.max_principal, p_principal) THEN
        RAISE EXCEPTION 'principal % is outside product %''s limits (% to %)', p_principal,
            pr.code, pr.min_principal, coalesce(pr.max_principal::text, 'no maximum')
            USING ERRCODE = 'AF422';
    END IF;
    IF p_installments IS NULL OR p_installments < pr.min_installments
       OR p_installments > coalesce(pr.max_installments, 1000) THEN
        RAISE EXCEPTION 'installments % is outside product %''s limits (% to %)',
            coalesce(p_installments::text, 'missing'), pr.code, pr.min_installments,
            coalesce(pr.max_installments, 1000) USING ERRCODE = 'AF422';
    END IF;
    IF p_disbursement_date IS NULL THEN
        RAISE EXCEPTION 'a disbursement date is required' USING ERRCODE = 'AF422';
    END IF;
    IF p_first_due_date IS NOT NULL AND p_first_due_date <= p_disbursement_date THEN
        RAISE EXCEPTION 'first due date % must be after the disbursement date %',
            p_first_due_date, p_disbursement_date USING ERRCODE = 'AF422';
    END IF;
    v_fee := round(p_principal * pr.fee_rate / 100, 2) + pr.fee_flat;
    IF pr.fee_timing = 'upfront' AND v_fee >= p_principal THEN
        RAISE EXCEPTION 'the upfront fee % would take the whole principal %', v_fee, p_principal
            USING ERRCODE = 'AF422';
    END IF;
    INSERT INTO loans (loan_id, customer_id, officer_id, product, channel, loan_amount,
                       interest_amount, fee_amount, repayment_amount, installments, frequency,
                       disbursement_date, first_payment_due_date, status, schedule_source,
                       source_system, branch)
    VALUES (p_loan_id, p_customer_id, coalesce(p_officer_id, c.officer_id), pr.code, p_channel,
            p_principal, 0, 0, p_principal, p_installments, pr.frequency, p_disbursement_date,
            NULL, 'Pending', 'lending', 'astrofinance', c.branch);
    INSERT INTO loan_accounts (loan_id, product_code, interest_method, annual_rate, fee_timing,
                               fee_total, allocation_order, grace_days, fimr_grace_days,
                               requested_first_due_date, created_by)
    VALUES (p_loan_id, pr.code, pr.interest_method, pr.annual_rate, pr.fee_timing, v_fee,
            pr.allocation_order, pr.grace_days, pr.fimr_grace_days, p_first_due_date,
            p_created_by);
    RETURN p_loan_id;
END $$;

CREATE OR REPLACE FUNCTION lending_require_status(v loans, p_allowed text[], p_action text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF NOT v.status = ANY (p_allowed) THEN
        RAISE EXCEPTION 'cannot % loan %: it is %', p_action, v.loan_id, v.status
            USING ERRCODE = 'AF409';
    END IF;
END $$;

CREATE OR REPLACE FUNCTION approve_loan(p_loan_id text, p_by text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v loans;
BEGIN
    PERFORM lending_act_as(p_by);
    v := lending_lock_loan(p_loan_id);
    PERFORM lending_require_status(v, ARRAY['Pending'], 'approve');
    IF EXISTS (SELECT 1 FROM loan_accounts WHERE loan_id = p_loan_id AND approved_at IS NOT NULL) THEN
        RAISE EXCEPTION 'loan % is already approved', p_loan_id USING ERRCODE = 'AF409';
    END IF;
    UPDATE loan_accounts SET approved_by = p_by, approved_at = now() WHERE loan_id = p_loan_id;
END $$;

-- Reject (before approval) or cancel (before disbursement): the loan becomes Cancelled.
CREATE OR REPLACE FUNCTION lending_close_application(p_loan_id text, p_by text, p_reason text,
                                                     p_reject boolean)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v loans;
BEGIN
    PERFORM lending_act_as(p_by);
    v := lending_lock_loan(p_loan_id);
    PERFORM lending_require_status(v, ARRAY['Pending'],
                                   CASE WHEN p_reject THEN 'reject' ELSE 'cancel' END);
    IF p_reject AND EXISTS (SELECT 1 FROM loan_accounts
                            WHERE loan_id = p_loan_id AND approved_at IS NOT NULL) THEN
        RAISE EXCEPTION 'loan % is already approved: cancel it instead', p_loan_id
            USING ERRCODE = 'AF409';
    END IF;
    UPDATE loans SET status = 'Cancelled', updated_at = now() WHERE loan_id = p_loan_id;
    UPDATE loan_accounts
    SET rejected_by = CASE WHEN p_reject THEN p_by END,
        rejected_at = CASE WHEN p_reject THEN now() END,
        cancelled_by = CASE WHEN NOT p_reject THEN p_by END,
        cancelled_at = CASE WHEN NOT p_reject THEN now() END,
        close_reason = p_reason
    WHERE loan_id = p_loan_id;
END $$;

CREATE OR REPLACE FUNCTION reject_loan(p_loan_id text, p_by text, p_reason text DEFAULT NULL)
RETURNS void LANGUAGE sql AS $$
    SELECT lending_close_application(p_loan_id, p_by, p_reason, true)
$$;

CREATE OR REPLACE FUNCTION cancel_loan(p_loan_id text, p_by text, p_reason text DEFAULT NULL)
RETURNS void LANGUAGE sql AS $$
    SELECT lending_close_application(p_loan_id, p_by, p_reason, false)
$$;

-- The default first due date: one period after disbursement plus the product's grace days
-- (daily: the next business day after them; the schedule rolls the others forward).
CREATE OR REPLACE FUNCTION lending_default_first_due(p_disbursed date, p_frequency text,
                                                     p_grace integer)
RETURNS date LANGUAGE sql STABLE AS $$
    SELECT CASE p_frequency
        WHEN 'daily' THEN (SELECT next_business_day FROM business_calendar
                           WHERE day = p_disbursed + 1 + p_grace)
        WHEN 'weekly' THEN p_disbursed + 7 + p_grace
        WHEN 'biweekly' THEN p_disbursed + 14 + p_grace
        ELSE (p_disbursed + interval '1 month')::date + p_grace END
$$;

-- The schedule of a loan booked here (metrics.md's due dates):
--   flat: interest = principal x rate x days / 365 (days from disbursement to the last due
--         date, rounded half-up to kobo), each component split evenly (metrics.md);
--   declining_balance: equal installments A = P r / (1 - (1 + r)^-n), r = annual rate /
--         periods per year (weekly 52, biweekly 26, monthly 12), A rounded to kobo; interest
--         each period = remaining principal x r rounded to kobo; principal = A - interest;
--         the last installment takes the remaining principal (so principal sums exactly).
-- Fees spread over the installments are split evenly; upfront fees are not in the schedule.
CREATE OR REPLACE FUNCTION generate_payment_schedule(p_loan_id text, p_created_by text)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    v loans;
    la loan_accounts;
    v_spread numeric(18,2);
    v_last date;
    v_r numeric;
    v_a numeric(18,2);
    v_bal numeric(18,2);
    v_int numeric(18,2);
    v_prin numeric(18,2);
    v_total_int numeric(18,2) := 0;
    v_n integer;
    k integer;
BEGIN
    PERFORM lending_act_as(p_created_by);
    v := lending_lock_loan(p_loan_id);
    SELECT * INTO la FROM loan_accounts WHERE loan_id = p_loan_id;
    IF v.first_payment_due_date IS NULL THEN
        RAISE EXCEPTION 'loan % has no first due date yet (it is set at disbursement)', p_loan_id
            USING ERRCODE = 'AF409';
    END IF;
    IF EXISTS (SELECT 1 FROM transactions WHERE loan_id = p_loan_id
               AND txn_type NOT IN ('disbursement')) THEN
        RAISE EXCEPTION 'loan % has payments or charges: its schedule cannot be regenerated',
            p_loan_id USING ERRCODE = 'AF409';
    END IF;
    v_spread := CASE WHEN la.fee_timing = 'spread' THEN la.fee_total ELSE 0 END;
    v_n := v.installments;
    -- the due dates (and the even split of the principal and fee) from the one generator
    UPDATE loans SET interest_amount = 0, fee_amount = v_spread, penalty_amount = 0,
                     repayment_amount = loan_amount + v_spread, updated_at = now()
    WHERE loan_id = p_loan_id;
    PERFORM generate_loan_schedules(ARRAY[p_loan_id], 'lending');
    SELECT max(due_date) INTO v_last FROM payment_schedules WHERE loan_id = p_loan_id;
    IF v_last IS NULL THEN
        RAISE EXCEPTION 'no schedule could be made for loan % (first due date % outside the '
                        'business calendar?)', p_loan_id, v.first_payment_due_date
            USING ERRCODE = 'AF422';
    END IF;
    IF la.interest_method = 'flat' THEN
        v_total_int := round(v.loan_amount * la.annual_rate / 100 * (v_last - v.disbursement_date)
                             / 365, 2);
        UPDATE loans SET interest_amount = v_total_int,
                         repayment_amount = loan_amount + v_total_int + v_spread
        WHERE loan_id = p_loan_id;
        PERFORM generate_loan_schedules(ARRAY[p_loan_id], 'lending');
    ELSE
        v_r := la.annual_rate / 100 / CASE v.frequency WHEN 'weekly' THEN 52
                                                      WHEN 'biweekly' THEN 26 ELSE 12 END;
        v_a := CASE WHEN v_r = 0 THEN trunc(v.loan_amount / v_n, 2)
                    ELSE round(v.loan_amount * v_r / (1 - power(1 + v_r, -v_n)), 2) END;
        v_bal := v.loan_amount;
        FOR k IN 1 .. v_n LOOP
            v_int := round(v_bal * v_r, 2);
            v_prin := CASE WHEN k < v_n THEN least(greatest(v_a - v_int, 0), v_bal) ELSE v_bal END;
            UPDATE payment_schedules SET principal_due = v_prin, interest_due = v_int
            WHERE loan_id = p_loan_id AND installment_no = k;
            v_bal := v_bal - v_prin;
            v_total_int := v_total_int + v_int;
        END LOOP;
        UPDATE loans SET interest_amount = v_total_int,
                         repayment_amount = loan_amount + v_total_int + v_spread
        WHERE loan_id = p_loan_id;
        PERFORM refresh_cumulative_due(ARRAY[p_loan_id]);
    END IF;
    RETURN v_n;
END $$;

-- What the ledger has booked for a loan per component (credits minus debits).
CREATE OR REPLACE FUNCTION ledger_loan_booked(p_loan_id text, p_component text)
RETURNS numeric LANGUAGE sql STABLE AS $$
    SELECT coalesce(sum(credit - debit), 0) FROM journal_entry_details
    WHERE loan_id = p_loan_id AND component = p_component
$$;

CREATE OR REPLACE FUNCTION ledger_post_line(p_entry bigint, p_account text, p_loan_id text,
                                            p_component text, p_amount numeric)
RETURNS void LANGUAGE sql AS $$
    -- a positive amount is a debit, a negative one a credit; nothing for zero
    INSERT INTO journal_entry_details (entry_id, account_code, loan_id, component, debit, credit)
    SELECT p_entry, p_account, p_loan_id, p_component, greatest(p_amount, 0),
           greatest(-p_amount, 0)
    WHERE p_amount <> 0
$$;

-- Bring the ledger's view of a loan to the allocation of all its money (metrics engine):
-- principal, interest, charges (fees and penalties) and overpayment collected. Each part's
-- change since the last posting is credited (or debited) to its account.
CREATE OR REPLACE FUNCTION ledger_post_allocation(p_entry bigint, p_loan_id text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    f record;
    l loans;
BEGIN
    SELECT * INTO l FROM loans WHERE loan_id = p_loan_id;
    SELECT * INTO f FROM compute_loan_fields(business_today(), ARRAY[p_loan_id]);
    PERFORM ledger_post_line(p_entry, '1100', p_loan_id, 'principal',
        ledger_loan_booked(p_loan_id, 'principal') - (l.loan_amount - f.principal_outstanding));
    PERFORM ledger_post_line(p_entry, '4000', p_loan_id, 'interest',
        ledger_loan_booked(p_loan_id, 'interest') - (l.interest_amount - f.interest_outstanding));
    PERFORM ledger_post_line(p_entry, '1150', p_loan_id, 'charges',
        ledger_loan_booked(p_loan_id, 'charges')
        - (l.fee_amount + l.penalty_amount - f.fees_outstanding));
    PERFORM ledger_post_line(p_entry, '2100', p_loan_id, 'overpayment',
        ledger_loan_booked(p_loan_id, 'overpayment') - f.overpaid_amount);
END $$;

-- The journal entry of a transaction (idempotent: an existing entry is returned).
CREATE OR REPLACE FUNCTION create_journal_entry(p_transaction_id bigint, p_created_by text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    t vw_transactions;
    l loans;
    la loan_accounts;
    v_entry bigint;
    v_upfront numeric(18,2);
    v_recovery boolean;
    v_amount numeric(18,2);
BEGIN
    PERFORM lending_act_as(p_created_by);
    SELECT id INTO v_entry FROM journal_entries WHERE transaction_id = p_transaction_id;
    IF FOUND THEN
        RETURN v_entry;
    END IF;
    SELECT * INTO t FROM vw_transactions WHERE transaction_id = p_transaction_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no transaction %', p_transaction_id USING ERRCODE = 'AF404';
    END IF;
    SELECT * INTO l FROM loans WHERE loan_id = t.loan_id;
    SELECT * INTO la FROM loan_accounts WHERE loan_id = t.loan_id;
    INSERT INTO journal_entries (entry_date, entry_type, transaction_id, loan_id, description,
                                 created_by)
    VALUES (t.txn_date, t.txn_type, t.transaction_id, t.loan_id,
            initcap(replace(t.txn_type, '_', ' ')) || ' ' || t.amount || ' on loan ' || t.loan_id,
            p_created_by)
    RETURNING id INTO v_entry;
    -- money received after the write-off is a recovery, outside the loan's receivables
    v_recovery := t.txn_type IN ('repayment', 'reversal') AND la.written_off_at IS NOT NULL;
    CASE t.txn_type
    WHEN 'disbursement' THEN
        v_upfront := CASE WHEN la.fee_timing = 'upfront' THEN la.fee_total ELSE 0 END;
        PERFORM ledger_post_line(v_entry, '1100', t.loan_id, 'disbursement', t.amount);
        PERFORM ledger_post_line(v_entry, '1000', t.loan_id, 'cash', -(t.amount - v_upfront));
        PERFORM ledger_post_line(v_entry, '4100', t.loan_id, 'charged', -v_upfront);
        PERFORM ledger_post_line(v_entry, '1150', t.loan_id, 'charged', l.fee_amount);
        PERFORM ledger_post_line(v_entry, '4100', t.loan_id, 'charged', -l.fee_amount);
    WHEN 'repayment', 'reversal' THEN
        v_amount := CASE t.txn_type WHEN 'repayment' THEN t.amount ELSE -t.amount END;
        PERFORM ledger_post_line(v_entry, '1000', t.loan_id, 'cash', v_amount);
        IF v_recovery THEN
            PERFORM ledger_post_line(v_entry, '4300', t.loan_id, 'recovery', -v_amount);
        ELSE
            PERFORM ledger_post_allocation(v_entry, t.loan_id);
        END IF;
    WHEN 'fee_charge', 'penalty_charge' THEN
        PERFORM ledger_post_line(v_entry, '1150', t.loan_id, 'charged', t.amount);
        PERFORM ledger_post_line(v_entry, CASE t.txn_type WHEN 'fee_charge' THEN '4100'
                                          ELSE '4200' END, t.loan_id, 'charged', -t.amount);
        PERFORM ledger_post_allocation(v_entry, t.loan_id);
    WHEN 'write_off' THEN
        PERFORM ledger_post_line(v_entry, '5200', t.loan_id, 'write_off', t.amount);
        PERFORM ledger_post_line(v_entry, '1100', t.loan_id, 'write_off',
            -(SELECT coalesce(sum(debit - credit), 0) FROM journal_entry_details
              WHERE loan_id = t.loan_id AND account_code = '1100'));
        PERFORM ledger_post_line(v_entry, '1150', t.loan_id, 'write_off',
            -(SELECT coalesce(sum(debit - credit), 0) FROM journal_entry_details
              WHERE loan_id = t.loan_id AND account_code = '1150'));
    END CASE;
    RETURN v_entry;
END $$;

-- Disburse an approved loan: Active, schedule, disbursement transaction and its entry.
CREATE OR REPLACE FUNCTION disburse_loan(p_loan_id text, p_created_by text,
                                         p_date date DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v loans;
    la loan_accounts;
    v_date date;
    v_first date;
    v_txn bigint;
BEGIN
    PERFORM lending_act_as(p_created_by);
    v := lending_lock_loan(p_loan_id);
    PERFORM lending_require_status(v, ARRAY['Pending'], 'disburse');
    SELECT * INTO la FROM loan_accounts WHERE loan_id = p_loan_id;
    IF la.approved_at IS NULL THEN
        RAISE EXCEPTION 'loan % is not approved yet', p_loan_id USING ERRCODE = 'AF409';
    END IF;
    v_date := coalesce(p_date, v.disbursement_date);
    IF v_date > business_today() THEN
        RAISE EXCEPTION 'disbursement date % is in the future (today is %)%', v_date,
            business_today(), CASE WHEN p_date IS NULL THEN ': give the date it is paid out'
                                   ELSE '' END USING ERRCODE = 'AF422';
    END IF;
    v_first := coalesce(la.requested_first_due_date,
                        lending_default_first_due(v_date, v.frequency, la.grace_days));
    IF v_first <= v_date THEN
        RAISE EXCEPTION 'first due date % is not after the disbursement date %', v_first, v_date
            USING ERRCODE = 'AF422';
    END IF;
    UPDATE loans SET status = 'Active', disbursement_date = v_date,
                     first_payment_due_date = v_first, updated_at = now()
    WHERE loan_id = p_loan_id;
    UPDATE loan_accounts SET disbursed_by = p_created_by, disbursed_at = now()
    WHERE loan_id = p_loan_id;
    PERFORM generate_payment_schedule(p_loan_id, p_created_by);
    INSERT INTO transactions (loan_id, txn_type, txn_date, amount, created_by)
    VALUES (p_loan_id, 'disbursement', v_date, v.loan_amount, p_created_by)
    RETURNING id INTO v_txn;
    PERFORM create_journal_entry(v_txn, p_created_by);
    RETURN v_txn;
END $$;

-- Close a loan that owes nothing (on the date its last installment was fully paid), reopen a
-- closed one that owes again.
CREATE OR REPLACE FUNCTION lending_settle_status(p_loan_id text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    v loans;
    v_owed numeric;
    v_paid_on date;
BEGIN
    SELECT * INTO v FROM loans WHERE loan_id = p_loan_id;
    IF v.status NOT IN ('Active', 'Defaulted', 'Closed') THEN
        RETURN v.status;
    END IF;
    v_owed := v.repayment_amount - coalesce((SELECT sum(payment_amount) FROM repayments
                                             WHERE loan_id = p_loan_id AND NOT is_reversed), 0);
    IF v_owed <= 0 AND v.status <> 'Closed' THEN
        PERFORM refresh_loan_state(ARRAY[p_loan_id]);
        SELECT paid[cardinality(paid)] INTO v_paid_on FROM loan_state WHERE loan_id = p_loan_id;
        UPDATE loans SET status = 'Closed', closed_on = coalesce(v_paid_on, business_today()),
                         updated_at = now()
        WHERE loan_id = p_loan_id;
        RETURN 'Closed';
    ELSIF v_owed > 0 AND v.status = 'Closed' THEN
        UPDATE loans SET status = 'Active', closed_on = NULL, updated_at = now()
        WHERE loan_id = p_loan_id;
        RETURN 'Active';
    END IF;
    RETURN v.status;
END $$;

-- A repayment: the money (repayments), its transaction and journal entry split by the
-- allocation, the loan closed when nothing is owed. With an idempotency key, a retry (even a
-- concurrent one) returns the first recording instead of recording again.
CREATE OR REPLACE FUNCTION record_loan_payment(p_loan_id text, p_amount numeric,
                                               p_payment_date date, p_created_by text,
                                               p_idempotency_key text DEFAULT NULL,
                                               p_channel text DEFAULT NULL,
                                               p_reference text DEFAULT NULL)
RETURNS TABLE (transaction_id bigint, repayment_id text, replayed boolean, loan_status text,
               principal numeric, interest numeric, charges numeric, overpayment numeric,
               recovery numeric)
LANGUAGE plpgsql AS $$
DECLARE
    v loans;
    v_txn bigint;
    v_rep text;
    v_replayed boolean := false;
    v_status text;
BEGIN
    PERFORM lending_act_as(p_created_by);
    PERFORM lending_check_amount(p_amount, 'payment amount');
    v := lending_lock_loan(p_loan_id);
    IF p_idempotency_key IS NOT NULL THEN
        -- after the lock: a concurrent retry has committed by now, or will wait for us
        SELECT t.transaction_id INTO v_txn FROM vw_transactions t
        WHERE t.idempotency_key = p_idempotency_key;
        IF FOUND THEN
            PERFORM 1 FROM vw_transactions t
            WHERE t.transaction_id = v_txn AND t.loan_id = p_loan_id
              AND t.amount = p_amount AND t.txn_date = p_payment_date
              AND t.txn_type = 'repayment';
            IF NOT FOUND THEN
                RAISE EXCEPTION 'idempotency key % was used for a different payment '
                                '(transaction %)', p_idempotency_key, v_txn USING ERRCODE = 'AF409';
            END IF;
            v_replayed := true;
        END IF;
    END IF;
    IF NOT v_replayed THEN
        IF v.status = 'Pending' THEN
            RAISE EXCEPTION 'loan % is not disbursed yet', p_loan_id USING ERRCODE = 'AF409';
        ELSIF v.status = 'Closed' THEN
            RAISE EXCEPTION 'loan % is closed (fully repaid on %)', p_loan_id, v.closed_on
                USING ERRCODE = 'AF409';
        ELSIF v.status = 'Cancelled' THEN
            RAISE EXCEPTION 'loan % is cancelled', p_loan_id USING ERRCODE = 'AF409';
        END IF;
        PERFORM lending_check_date(p_payment_date, 'payment date', v.disbursement_date);
        v_rep := 'AF' || lpad(nextval('repayment_number_seq')::text, 9, '0');
        INSERT INTO repayments (repayment_id, loan_id, payment_date, payment_amount, channel,
                                reference, source_system)
        VALUES (v_rep, p_loan_id, p_payment_date, p_amount, p_channel, p_reference,
                'astrofinance');
        INSERT INTO transactions (loan_id, txn_type, txn_date, repayment_id, idempotency_key,
                                  created_by)
        VALUES (p_loan_id, 'repayment', p_payment_date, v_rep, p_idempotency_key, p_created_by)
        RETURNING id INTO v_txn;
        PERFORM create_journal_entry(v_txn, p_created_by);
        PERFORM lending_settle_status(p_loan_id);
    END IF;
    SELECT status INTO v_status FROM loans WHERE loan_id = p_loan_id;
    RETURN QUERY
    SELECT v_txn, t.repayment_id, v_replayed, v_status,
           coalesce(sum(d.credit - d.debit) FILTER (WHERE d.component = 'principal'), 0),
           coalesce(sum(d.credit - d.debit) FILTER (WHERE d.component = 'interest'), 0),
           coalesce(sum(d.credit - d.debit) FILTER (WHERE d.component = 'charges'), 0),
           coalesce(sum(d.credit - d.debit) FILTER (WHERE d.component = 'overpayment'), 0),
           coalesce(sum(d.credit - d.debit) FILTER (WHERE d.component = 'recovery'), 0)
    FROM transactions t
    JOIN journal_entries e ON e.transaction_id = t.id
    JOIN journal_entry_details d ON d.entry_id = e.id
    WHERE t.id = v_txn
    GROUP BY t.repayment_id;
END $$;

-- Undo a repayment: the money stays recorded, marked reversed; a reversal transaction and a
-- reversing journal entry (the ledger's allocation follows the loan's new position).
CREATE OR REPLACE FUNCTION reverse_loan_payment(p_transaction_id bigint, p_created_by text,
                                                p_reason text DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    t transactions;
    v loans;
    v_txn bigint;
BEGIN
    PERFORM lending_act_as(p_created_by);
    SELECT * INTO t FROM transactions WHERE id = p_transaction_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no transaction %', p_transaction_id USING ERRCODE = 'AF404';
    END IF;
    IF t.txn_type <> 'repayment' THEN
        RAISE EXCEPTION 'transaction % is a %: only repayments can be reversed', t.id, t.txn_type
            USING ERRCODE = 'AF409';
    END IF;
    v := lending_lock_loan(t.loan_id);
    SELECT id INTO v_txn FROM transactions WHERE reverses_id = t.id;
    IF FOUND THEN
        RAISE EXCEPTION 'transaction % is already reversed (by transaction %)', t.id, v_txn
            USING ERRCODE = 'AF409';
    END IF;
    IF v.status = 'Written Off' AND t.txn_date <= v.written_off_on THEN
        RAISE EXCEPTION 'loan % was written off on % after this payment: it cannot be reversed',
            v.loan_id, v.written_off_on USING ERRCODE = 'AF409';
    END IF;
    UPDATE repayments SET is_reversed = true, updated_at = now()
    WHERE repayment_id = t.repayment_id;
    INSERT INTO transactions (loan_id, txn_type, txn_date, repayment_id, reverses_id, note,
                              created_by)
    VALUES (t.loan_id, 'reversal', greatest(business_today(), t.txn_date), t.repayment_id, t.id,
            p_reason, p_created_by)
    RETURNING id INTO v_txn;
    PERFORM create_journal_entry(v_txn, p_created_by);
    PERFORM lending_settle_status(t.loan_id);
    RETURN v_txn;
END $$;

-- Charge a fee or a penalty to a loan: added to an installment (the given one, else the
-- oldest one not fully paid), to what the loan must repay, and to the ledger (accrued).
CREATE OR REPLACE FUNCTION charge_loan(p_loan_id text, p_kind text, p_amount numeric,
                                       p_charge_date date, p_created_by text,
                                       p_installment_no integer DEFAULT NULL,
                                       p_note text DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v loans;
    v_inst integer;
    v_paid numeric;
    v_txn bigint;
BEGIN
    PERFORM lending_act_as(p_created_by);
    IF p_kind IS NULL OR p_kind NOT IN ('fee', 'penalty') THEN
        RAISE EXCEPTION 'a charge is a fee or a penalty, not %', coalesce(p_kind, 'nothing')
            USING ERRCODE = 'AF422';
    END IF;
    PERFORM lending_check_amount(p_amount, p_kind || ' amount');
    v := lending_lock_loan(p_loan_id);
    PERFORM lending_require_status(v, ARRAY['Active', 'Defaulted'], 'charge');
    PERFORM lending_check_date(p_charge_date, 'charge date', v.disbursement_date);
    v_paid := coalesce((SELECT sum(payment_amount) FROM repayments
                        WHERE loan_id = p_loan_id AND NOT is_reversed), 0);
    IF p_installment_no IS NOT NULL THEN
        IF NOT EXISTS (SELECT 1 FROM payment_schedules WHERE loan_id = p_loan_id
                       AND installment_no = p_installment_no) THEN
            RAISE EXCEPTION 'loan % has no installment %', p_loan_id, p_installment_no
                USING ERRCODE = 'AF422';
        END IF;
        v_inst := p_installment_no;
    ELSE
        SELECT coalesce(min(installment_no) FILTER (WHERE cumulative_due > v_paid),
                        max(installment_no))
        INTO v_inst FROM payment_schedules WHERE loan_id = p_loan_id;
    END IF;
    IF p_kind = 'fee' THEN
        UPDATE payment_schedules SET fee_due = fee_due + p_amount
        WHERE loan_id = p_loan_id AND installment_no = v_inst;
        UPDATE loans SET fee_amount = fee_amount + p_amount,
                         repayment_amount = repayment_amount + p_amount, updated_at = now()
        WHERE loan_id = p_loan_id;
    ELSE
        UPDATE payment_schedules SET penalty_due = penalty_due + p_amount
        WHERE loan_id = p_loan_id AND installment_no = v_inst;
        UPDATE loans SET penalty_amount = penalty_amount + p_amount,
                         repayment_amount = repayment_amount + p_amount, updated_at = now()
        WHERE loan_id = p_loan_id;
    END IF;
    PERFORM refresh_cumulative_due(ARRAY[p_loan_id]);
    INSERT INTO transactions (loan_id, txn_type, txn_date, amount, installment_no, note,
                              created_by)
    VALUES (p_loan_id, p_kind || '_charge', p_charge_date, p_amount, v_inst, p_note, p_created_by)
    RETURNING id INTO v_txn;
    PERFORM create_journal_entry(v_txn, p_created_by);
    RETURN v_txn;
END $$;

-- Write a loan off: its principal and charges receivable leave the books (Dr 5200); money
-- received later is a recovery. The arrears fields freeze at the write-off date (metrics.md).
CREATE OR REPLACE FUNCTION write_off_loan(p_loan_id text, p_created_by text,
                                          p_date date DEFAULT NULL, p_reason text DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v loans;
    v_date date;
    v_amount numeric(18,2);
    v_txn bigint;
BEGIN
    PERFORM lending_act_as(p_created_by);
    v := lending_lock_loan(p_loan_id);
    PERFORM lending_require_status(v, ARRAY['Active', 'Defaulted'], 'write off');
    v_date := coalesce(p_date, business_today());
    PERFORM lending_check_date(v_date, 'write-off date', v.disbursement_date);
    IF EXISTS (SELECT 1 FROM repayments WHERE loan_id = p_loan_id AND NOT is_reversed
               AND payment_date > v_date) THEN
        RAISE EXCEPTION 'loan % has payments after %: write it off on a later date', p_loan_id,
            v_date USING ERRCODE = 'AF422';
    END IF;
    SELECT coalesce(sum(debit - credit), 0) INTO v_amount FROM journal_entry_details
    WHERE loan_id = p_loan_id AND account_code IN ('1100', '1150');
    IF v_amount <= 0 THEN
        RAISE EXCEPTION 'loan % has nothing outstanding to write off', p_loan_id
            USING ERRCODE = 'AF409';
    END IF;
    UPDATE loans SET status = 'Written Off', written_off_on = v_date, updated_at = now()
    WHERE loan_id = p_loan_id;
    UPDATE loan_accounts SET written_off_by = p_created_by, written_off_at = now()
    WHERE loan_id = p_loan_id;
    INSERT INTO transactions (loan_id, txn_type, txn_date, amount, note, created_by)
    VALUES (p_loan_id, 'write_off', v_date, v_amount, p_reason, p_created_by)
    RETURNING id INTO v_txn;
    PERFORM create_journal_entry(v_txn, p_created_by);
    RETURN v_txn;
END $$;

-- Per loan: customer, terms, repaid and what is outstanding (principal, interest, fees and
-- penalties), live from the repayments and the schedule by the metrics engine's allocation
-- (the original design's summary left interest and fees out of the outstanding balance).
CREATE OR REPLACE VIEW vw_loan_summary AS
SELECT l.loan_id, l.customer_id, c.name AS customer_name, c.phone AS customer_phone,
       l.officer_id, l.product, l.status, l.frequency, l.installments,
       l.disbursement_date, l.first_payment_due_date, l.loan_amount, l.interest_amount,
       l.fee_amount, l.penalty_amount, l.repayment_amount,
       r.repaid AS total_repaid,
       ((s.prin_total - s.prin_paid) / 100.0)::numeric(18,2) AS principal_outstanding,
       ((s.int_total - s.int_paid) / 100.0)::numeric(18,2) AS interest_outstanding,
       ((s.chg_total - s.chg_paid) / 100.0)::numeric(18,2) AS fees_outstanding,
       greatest(0, l.repayment_amount - r.repaid)::numeric(18,2) AS total_outstanding,
       greatest(0, r.repaid - l.repayment_amount)::numeric(18,2) AS overpaid_amount,
       r.last_payment_date, l.closed_on, l.written_off_on
FROM loans l
LEFT JOIN customers c ON c.customer_id = l.customer_id
LEFT JOIN loan_accounts la ON la.loan_id = l.loan_id
LEFT JOIN loan_schedule_state ss ON ss.loan_id = l.loan_id
CROSS JOIN LATERAL (
    SELECT coalesce(sum(payment_amount), 0) AS repaid, max(payment_date) AS last_payment_date
    FROM repayments WHERE loan_id = l.loan_id AND NOT is_reversed) r
-- a loan without a schedule allocates as one installment of the whole amount (as the fields do)
CROSS JOIN LATERAL (
    SELECT coalesce(ss.cum, ARRAY[(l.repayment_amount * 100)::bigint]) AS cum,
           coalesce(ss.cum_fee, ARRAY[(l.fee_amount * 100)::bigint]) AS cum_fee,
           coalesce(ss.cum_int, ARRAY[(l.interest_amount * 100)::bigint]) AS cum_int,
           coalesce(la.alloc_code, 'CIP') AS o, (r.repaid * 100)::bigint AS p) a
CROSS JOIN LATERAL (
    SELECT coalesce(width_bucket(a.p, a.cum), 0) AS q, cardinality(a.cum) AS n) b
CROSS JOIN LATERAL (
    SELECT alloc_charges_paid(a.p, b.q, a.cum, a.cum_fee, a.cum_int, a.o) AS chg_paid,
           alloc_interest_paid(a.p, b.q, a.cum, a.cum_fee, a.cum_int, a.o) AS int_paid) x
CROSS JOIN LATERAL (
    SELECT least(a.cum[b.n], a.p) - x.chg_paid - x.int_paid AS prin_paid,
           a.cum[b.n] - a.cum_fee[b.n] - a.cum_int[b.n] AS prin_total,
           a.cum_int[b.n] AS int_total, a.cum_fee[b.n] AS chg_total,
           x.chg_paid, x.int_paid) s;
