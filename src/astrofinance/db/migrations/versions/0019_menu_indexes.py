"""Indexes on loans (product) and (channel), so the web pages' filter menus read each column's
distinct values by skipping through its index (web/sql/filter_options.sql) instead of reading
every loan, and the loans list's product and channel filters use them too. Neither column is a
computed field, so the daily recalculation's updates stay HOT.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05
"""

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX IF NOT EXISTS loans_product_idx ON loans (product)")
    op.execute("CREATE INDEX IF NOT EXISTS loans_channel_idx ON loans (channel)")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS loans_channel_idx")
    op.execute("DROP INDEX IF EXISTS loans_product_idx")
