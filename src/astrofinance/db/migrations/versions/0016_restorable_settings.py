"""app_setting() and business_today() name their table and function with the schema, so a
plain pg_restore (which refreshes mvw_monthly_financial_summary with an empty search_path)
restores a backup without errors. `astrofinance restore` refreshes the views itself, so it
restores backups made before this revision too.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""

from alembic import op

from astrofinance.db.sqlfiles import execute_file

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    execute_file(bind, "astrofinance.portfolio", "functions_calendar")
    execute_file(bind, "astrofinance.metrics", "functions_fields")


def downgrade() -> None:
    # The qualified names work under any search_path that finds the unqualified ones.
    pass
