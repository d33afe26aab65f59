-- The ledger against the book: what the journal says the loans owe, and what the loans' own
-- numbers (compute_loan_fields, computed now) say.
--   reconcile_ledger()         one row per check, with ledger, book and difference
--   reconcile_ledger_loans()   the loans whose own ledger lines disagree with their numbers
--
-- The book: the loans booked in this ledger (loan_accounts) that were disbursed and not written
-- off (status Active, Defaulted or Closed), their fields as of business_today(). A written-off
-- loan's receivables were moved to 5200 by its write-off: the ledger must hold 0 for it.
-- The ledger: every posted line (balances on the accounts' normal sides).

-- The reconciliation's checks: the account, the loans' field it must equal, the account's
-- normal side (1 debit, -1 credit) and the order of the report.
CREATE OR REPLACE FUNCTION ledger_reconciliation_checks()
RETURNS TABLE (check_name text, account_code text, book_field text, sign integer,
               check_order integer)
LANGUAGE sql IMMUTABLE AS $$
    VALUES ('loans_receivable', '1100', 'principal_outstanding', 1, 1),
           ('fees_and_penalties_receivable', '1150', 'fees_outstanding', 1, 2),
           ('customer_overpayments', '2100', 'overpaid_amount', -1, 3)
$$;

-- The book's side per loan and check: the loans compared (see above), their fields now.
CREATE OR REPLACE FUNCTION ledger_book_amounts()
RETURNS TABLE (loan_id text, check_name text, amount numeric)
LANGUAGE sql AS $$
    SELECT f.loan_id, c.check_name,
           CASE c.book_field WHEN 'principal_outstanding' THEN f.principal_outstanding
                             WHEN 'fees_outstanding' THEN f.fees_outstanding
                             WHEN 'overpaid_amount' THEN f.overpaid_amount END
    FROM compute_loan_fields(business_today(), ARRAY(
        SELECT a.loan_id FROM loan_accounts a JOIN loans l ON l.loan_id = a.loan_id
        WHERE l.status IN ('Active', 'Defaulted', 'Closed'))) f
    CROSS JOIN ledger_reconciliation_checks() c
$$;

-- The ledger's side per loan (NULL: lines without a loan) and check.
CREATE OR REPLACE FUNCTION ledger_loan_amounts()
RETURNS TABLE (loan_id text, check_name text, amount numeric)
LANGUAGE sql STABLE AS $$
    SELECT d.loan_id, c.check_name, c.sign * sum(d.debit - d.credit)
    FROM journal_entry_details d
    JOIN ledger_reconciliation_checks() c ON c.account_code = d.account_code
    GROUP BY d.loan_id, c.check_name, c.sign
$$;

CREATE OR REPLACE FUNCTION reconcile_ledger()
RETURNS TABLE (check_name text, account_code text, description text, ledger numeric(18,2),
               book numeric(18,2), difference numeric(18,2))
LANGUAGE sql AS $$
    WITH book AS (
        SELECT b.check_name, sum(b.amount) AS amount FROM ledger_book_amounts() b
        GROUP BY b.check_name
    ), ledger AS (
        SELECT l.check_name, sum(l.amount) AS amount FROM ledger_loan_amounts() l
        GROUP BY l.check_name
    )
    SELECT c.check_name, c.account_code,
           format('%s %s = sum of %s', c.account_code, a.name, c.book_field),
           coalesce(l.amount, 0)::numeric(18,2), coalesce(b.amount, 0)::numeric(18,2),
           (coalesce(l.amount, 0) - coalesce(b.amount, 0))::numeric(18,2)
    FROM ledger_reconciliation_checks() c
    JOIN chart_of_accounts a ON a.code = c.account_code
    LEFT JOIN book b ON b.check_name = c.check_name
    LEFT JOIN ledger l ON l.check_name = c.check_name
    ORDER BY c.check_order
$$;

-- Per loan: its ledger lines on those accounts against its own fields (0 for a loan not in the
-- book: written off, or never disbursed). Only the disagreeing (loan, check) pairs; lines
-- without a loan show with loan_id NULL.
CREATE OR REPLACE FUNCTION reconcile_ledger_loans()
RETURNS TABLE (loan_id text, check_name text, account_code text, ledger numeric(18,2),
               book numeric(18,2), difference numeric(18,2))
LANGUAGE sql AS $$
    SELECT coalesce(l.loan_id, b.loan_id), c.check_name, c.account_code,
           coalesce(l.amount, 0)::numeric(18,2), coalesce(b.amount, 0)::numeric(18,2),
           (coalesce(l.amount, 0) - coalesce(b.amount, 0))::numeric(18,2)
    FROM ledger_loan_amounts() l
    FULL JOIN ledger_book_amounts() b
        ON b.loan_id = l.loan_id AND b.check_name = l.check_name
    JOIN ledger_reconciliation_checks() c ON c.check_name = coalesce(l.check_name, b.check_name)
    WHERE coalesce(l.amount, 0) <> coalesce(b.amount, 0)
    ORDER BY 1 NULLS FIRST, c.check_order
$$;
