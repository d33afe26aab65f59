"""The loan book: products, loan accounts, transactions, chart of accounts, journal; the
lending functions (origination, schedules, payments, reversals, charges, write-offs, journal
postings); biweekly schedules; the metrics engine's allocation in a product's order.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from alembic import op
from sqlalchemy import text

from astrofinance.db.sqlfiles import execute_file

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# (table, key column(s)) of the loan book's business tables, audited row by row
AUDITED = [
    ("products", "code"),
    ("loan_accounts", "loan_id"),
    ("transactions", "id"),
    ("chart_of_accounts", "code"),
    ("journal_entries", "id"),
    ("journal_entry_details", "id"),
]


def upgrade() -> None:
    bind = op.get_bind()
    execute_file(bind, "astrofinance.db", "0005_loan_book")
    execute_file(bind, "astrofinance.db", "0005_functions_prelude")
    execute_file(bind, "astrofinance.portfolio", "functions_schedule")
    execute_file(bind, "astrofinance.metrics", "functions_fields")
    execute_file(bind, "astrofinance.lending", "functions_lending")
    bind.execute(text("SELECT audit_refresh(CAST('loans' AS regclass))"))  # penalty_amount
    for table, key in AUDITED:
        bind.execute(text("SELECT audit_attach(CAST(:t AS regclass), :k)"),
                     {"t": table, "k": key})


LENDING_FUNCTIONS = [
    "lending_act_as", "lending_lock_loan", "lending_check_date", "lending_check_amount",
    "create_loan", "lending_require_status", "approve_loan", "lending_close_application",
    "reject_loan", "cancel_loan", "lending_default_first_due", "generate_payment_schedule",
    "ledger_loan_booked", "ledger_post_line", "ledger_post_allocation", "create_journal_entry",
    "disburse_loan", "lending_settle_status", "record_loan_payment", "reverse_loan_payment",
    "charge_loan", "write_off_loan", "journal_entry_check_balance", "journal_is_append_only",
]


def downgrade() -> None:
    # Drops the loan book and its ledger (all their data) and gives loans back their 0004
    # columns and checks; used by `db migrate --reset`. The metrics functions stay at their
    # current definition (they read loan_accounts: upgrade again before computing).
    op.execute("DROP VIEW vw_loan_summary, vw_transactions; "
               "DROP TABLE journal_entry_details, journal_entries, chart_of_accounts, "
               "transactions, loan_accounts, products CASCADE; "
               "DROP SEQUENCE repayment_number_seq")
    op.execute(text("DO $$ DECLARE f regprocedure; BEGIN "
                    "FOR f IN SELECT oid::regprocedure FROM pg_proc "
                    "WHERE proname = ANY (CAST(:names AS text[])) "
                    "AND pronamespace = 'public'::regnamespace LOOP "
                    "EXECUTE 'DROP FUNCTION ' || f; END LOOP; END $$"
                    .replace(":names", "'{" + ",".join(LENDING_FUNCTIONS) + "}'")))
    op.execute("DROP TRIGGER IF EXISTS audit_update ON loans; "
               "DROP TRIGGER IF EXISTS audit_update_bulk ON loans; "
               "ALTER TABLE loans DROP CONSTRAINT loans_repayment_amount_ck, "
               "DROP COLUMN penalty_amount, "
               "ADD CONSTRAINT loans_repayment_amount_ck CHECK "
               "(repayment_amount = loan_amount + interest_amount + fee_amount) NOT VALID, "
               "DROP CONSTRAINT loans_frequency_check, ADD CONSTRAINT loans_frequency_check "
               "CHECK (frequency IN ('daily', 'weekly', 'monthly')) NOT VALID, "
               "DROP CONSTRAINT loans_schedule_source_check, "
               "ADD CONSTRAINT loans_schedule_source_check "
               "CHECK (schedule_source IN ('generated', 'supplied')) NOT VALID; "
               "DROP FUNCTION valid_allocation_order(text[]), allocation_code(text[]); "
               "SELECT audit_refresh(CAST('loans' AS regclass))")
