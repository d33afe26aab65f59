"""The loan cube: the book's stored fields summed per dimension, DPD band and flag, kept
exact by triggers on loans (each statement's changes noted per row and added up per key at
its end; a bulk recalculation marks it stale and the service rebuilds it), so the portfolio
figures as of the stored date read a few thousand sums instead of every loan
(db/sql/0024_loan_cube.sql, metrics/portfolio.py).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05
"""

from alembic import op

from astrofinance.db.sqlfiles import execute_file

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    execute_file(bind, "astrofinance.db", "0024_loan_cube")
    execute_file(bind, "astrofinance.metrics", "functions_fields")


def downgrade() -> None:
    for event in ("insert", "delete", "update", "truncate", "fold"):
        op.execute(f"DROP TRIGGER loans_cube_{event} ON loans")
    for function in ("loan_cube_truncated()", "loan_cube_rebuild()", "loan_cube_fold()",
                     "loan_cube_note()", "loan_cube_note_share(loans, integer)",
                     "loan_dpd_band(integer)"):
        op.execute(f"DROP FUNCTION {function}")
    for table in ("loan_cube_delta", "loan_cube_state", "loan_cube"):
        op.execute(f"DROP TABLE {table}")
