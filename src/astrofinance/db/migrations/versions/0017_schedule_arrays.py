"""generate_loan_schedules builds each loan's schedule as arrays (its due dates, then its
cumulative amounts, arithmetic in the installment number) that loan_schedule_state takes as
they are and payment_schedules one row per element: the same rows and state, without sorting
and aggregating a row per installment.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05
"""

from alembic import op

from astrofinance.db.sqlfiles import execute_file

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    execute_file(op.get_bind(), "astrofinance.portfolio", "functions_schedule")


def downgrade() -> None:
    # The function computes the same rows and state as revision 0015's.
    pass
