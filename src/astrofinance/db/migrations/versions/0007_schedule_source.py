"""The loan book makes its schedules with the one generator without disguising its loans as
'generated' ones (generate_loan_schedules takes the schedule source); the allocation's two
parts share one formula (alloc_part_paid).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from alembic import op

from astrofinance.db.sqlfiles import execute_file

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    op.execute("DROP FUNCTION IF EXISTS generate_loan_schedules(text[])")
    execute_file(bind, "astrofinance.portfolio", "functions_schedule")
    execute_file(bind, "astrofinance.metrics", "functions_fields")
    execute_file(bind, "astrofinance.lending", "functions_lending")


def downgrade() -> None:
    # the two-argument generator serves revision 0006's callers as well (p_source defaults)
    pass
