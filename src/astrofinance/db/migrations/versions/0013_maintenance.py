"""perform_database_maintenance() (the seed design's name): ANALYZE, the materialized views
refreshed, the ledger's loans past a DPD threshold marked Defaulted, PAR30; the in-function
part of `astrofinance maintenance`.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from alembic import op

from astrofinance.db.sqlfiles import execute_file

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    execute_file(op.get_bind(), "astrofinance.ops", "functions_maintenance")


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS perform_database_maintenance(integer, text)")
