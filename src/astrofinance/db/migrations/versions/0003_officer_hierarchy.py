"""One function copies officers' hierarchy onto loans (the officers' trigger and
`hierarchy apply` both call apply_officer_hierarchy).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from alembic import op

from astrofinance.db.sqlfiles import execute_file

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    execute_file(op.get_bind(), "astrofinance.portfolio", "functions_waves")


def downgrade() -> None:
    # the officers' trigger calls the function: revision 0002 keeps working with it in place
    pass
