"""Faster per-loan fields and schedule generation: the same rules (metrics/sql/functions_fields.sql,
portfolio/sql/functions_schedule.sql), re-defined with plans that evaluate each intermediate
value once, and a loan's paid-date state extended instead of rebuilt when its only change is
new repayments after its last one: stale_loans.appended_from (NULL: rebuild) says so. The
index on repayments (loan_id, payment_date) carries the amount and the reversal flag, so the
rebuild reads the repayments in order from the index alone; the unused index on repayments
(updated_at, repayment_id) is dropped.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""

from alembic import op

from astrofinance.db.sqlfiles import execute_file

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    # existing rows ask for a rebuild, as before
    op.execute("ALTER TABLE stale_loans ADD COLUMN appended_from date")
    # the paid-date rebuild reads every repayment in (loan, date) order: from the index
    # alone, with the amount and the reversal flag in it, instead of sorting the table
    op.execute("DROP INDEX repayments_loan_date_idx")
    op.execute("CREATE INDEX repayments_loan_date_idx ON repayments (loan_id, payment_date) "
               "INCLUDE (payment_amount, is_reversed)")
    # no query reads repayments by updated_at (the sync's watermarks are the source's):
    # one index fewer to write for every repayment imported, synced or posted
    op.execute("DROP INDEX repayments_updated_idx")
    execute_file(bind, "astrofinance.portfolio", "functions_schedule")
    execute_file(bind, "astrofinance.metrics", "functions_fields")


def downgrade() -> None:
    # The functions and the column stay: the functions of this revision use the column (the
    # repayments' triggers write it), and they compute the same values as the earlier ones.
    # Dropping stale_loans is revision 0001's downgrade.
    pass
