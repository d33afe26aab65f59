"""A loan-book action on a loan that is not booked in the ledger (a synced or imported loan)
says where that loan is approved, disbursed, paid and written off instead of only "record its
payments in that system" (which read oddly for an approval).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05
"""

from alembic import op

from astrofinance.db.sqlfiles import execute_file

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    execute_file(op.get_bind(), "astrofinance.lending", "functions_lending")


def downgrade() -> None:
    # Only a message changed.
    pass
