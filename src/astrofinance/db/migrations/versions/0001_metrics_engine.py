"""The portfolio metrics engine: officers, customers, loans, schedules, repayments, holidays,
waves, computed fields, sync tracking, imports.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from alembic import op

from astrofinance.db.sqlfiles import FUNCTION_FILES, execute_file

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    execute_file(bind, "astrofinance.db", "0001_schema")
    for package, name in FUNCTION_FILES:
        execute_file(bind, package, name)


def downgrade() -> None:
    # everything goes, but Alembic still records this step in alembic_version afterwards
    op.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public; "
               "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY); "
               "INSERT INTO alembic_version VALUES ('0001');")
