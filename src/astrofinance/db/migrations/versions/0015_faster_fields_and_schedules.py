"""Faster per-loan fields and schedule generation: the same rules (metrics/sql/functions_fields.sql,
portfolio/sql/functions_schedule.sql), re-defined with plans that evaluate each intermediate
value once and build the paid-date state in fewer passes.

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
    execute_file(bind, "astrofinance.portfolio", "functions_schedule")
    execute_file(bind, "astrofinance.metrics", "functions_fields")


def downgrade() -> None:
    # CREATE OR REPLACE of the same functions: the earlier definitions computed the same values
    pass
