"""The stored fields' state counter (fields_state_version): moved on by the statements that
can change loan_fields_stored_state()'s answer (loans inserted, deleted, truncated, their
fields date, status or disbursement date set), so that answer is kept between them
(metrics/stored_state.py) instead of read from every loan on each portfolio page; the
recalculation sets the fields date only when a loan's date moves (not in a payment's one-loan
recalculation as of the stored date).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05
"""

from alembic import op

from astrofinance.db.sqlfiles import execute_file

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    execute_file(bind, "astrofinance.db", "0020_fields_state_version")
    execute_file(bind, "astrofinance.metrics", "functions_fields")


def downgrade() -> None:
    op.execute("DROP TRIGGER loans_fields_state_truncate ON loans")
    op.execute("DROP TRIGGER loans_fields_state ON loans")
    op.execute("DROP FUNCTION bump_fields_state_version()")
    op.execute("DROP SEQUENCE fields_state_version")
