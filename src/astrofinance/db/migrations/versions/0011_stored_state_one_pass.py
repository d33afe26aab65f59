"""loan_fields_stored_state() settles the usual case (the whole book's fields as of one date)
in one parallel pass over the loans instead of two, the second planned without the date: the
portfolio metrics, the PAR function and every payment's field refresh call it.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from alembic import op

from astrofinance.db.sqlfiles import execute_file

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    execute_file(op.get_bind(), "astrofinance.metrics", "functions_risk")


def downgrade() -> None:
    # the same rule, answered the old way, is not worth keeping a second copy of
    pass
