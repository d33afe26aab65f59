"""The data version (a sequence moved on by every statement that changes loans, customers,
officers, repayments, schedules, holidays or wave rules), for the API's summary cache.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from alembic import op

from astrofinance.db.sqlfiles import execute_file

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TABLES = ("loans", "customers", "officers", "repayments", "payment_schedules", "holidays",
          "wave_rules")


def upgrade() -> None:
    execute_file(op.get_bind(), "astrofinance.db", "0009_data_version")


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TRIGGER {table}_data_version ON {table}")
    op.execute("DROP FUNCTION bump_data_version()")
    op.execute("DROP SEQUENCE data_version")
