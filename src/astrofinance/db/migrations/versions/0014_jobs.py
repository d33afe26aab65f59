"""The scheduler's runs: job_runs, one row per attempt of a scheduled job with its outcome.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

from alembic import op

from astrofinance.db.sqlfiles import execute_file

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    execute_file(op.get_bind(), "astrofinance.db", "0014_jobs")


def downgrade() -> None:
    op.execute("DROP TABLE job_runs")
