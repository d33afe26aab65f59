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


def downgrade() -> None:
    op.execute("DROP VIEW vw_loan_summary, vw_transactions; "
               "DROP TABLE journal_entry_details, journal_entries, chart_of_accounts, "
               "transactions, loan_accounts, products CASCADE; "
               "DROP SEQUENCE repayment_number_seq")
