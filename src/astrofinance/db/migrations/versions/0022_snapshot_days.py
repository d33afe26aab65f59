"""The snapshots' day totals (portfolio_snapshot_days, kept by triggers), an index on
portfolio_snapshots (officer_id, as_of) and the snapshots' change counter
(snapshots_version): a trend chart reads one row per day for the whole book, the rows of an
officer's loans by the index, and any other filter's answer is kept until a snapshot
changes (db/sql/0022_snapshot_days.sql).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05
"""

from alembic import op

from astrofinance.db.sqlfiles import execute_file

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    execute_file(op.get_bind(), "astrofinance.db", "0022_snapshot_days")


def downgrade() -> None:
    for event in ("insert", "update", "delete", "truncate"):
        op.execute(f"DROP TRIGGER portfolio_snapshots_days_{event} ON portfolio_snapshots")
    op.execute("DROP FUNCTION portfolio_snapshots_changed()")
    op.execute("DROP FUNCTION portfolio_snapshot_days_refresh(date[])")
    op.execute("DROP SEQUENCE snapshots_version")
    op.execute("DROP INDEX portfolio_snapshots_officer_idx")
    op.execute("DROP TABLE portfolio_snapshot_days")
