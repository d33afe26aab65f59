"""Sync from the lender's system of record: runs, quarantine, customers' details.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from alembic import op

from astrofinance.db.sqlfiles import execute_file

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    execute_file(op.get_bind(), "astrofinance.db", "0002_sync")


def downgrade() -> None:
    op.execute("DROP TABLE sync_quarantine; DROP TABLE sync_runs; "
               "ALTER TABLE customers DROP COLUMN dob, DROP COLUMN gender, DROP COLUMN lga, "
               "DROP COLUMN address;")
