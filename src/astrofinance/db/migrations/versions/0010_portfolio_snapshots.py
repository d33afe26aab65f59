"""Daily portfolio snapshots: GLP and PAR amounts per day, officer, hierarchy, wave and
product, stored by each full recalculation and by `metrics backfill`, for trends over time.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from alembic import op

from astrofinance.db.sqlfiles import execute_file

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    execute_file(op.get_bind(), "astrofinance.db", "0010_portfolio_snapshots")


def downgrade() -> None:
    op.execute("DROP TABLE portfolio_snapshots")
