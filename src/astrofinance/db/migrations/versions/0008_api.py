"""The HTTP API: team roles (supervisor, vertical_lead), API and session tokens, failed
sign-ins for the login rate limit; recalculation becomes a manager's and admin's right.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22
"""

from alembic import op
from sqlalchemy import text

from astrofinance.db.sqlfiles import execute_file

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    execute_file(bind, "astrofinance.db", "0008_api")
    bind.execute(text("SELECT audit_attach('api_tokens', 'id', ARRAY['last_used_at'], "
                      "ARRAY['token_hash'])"))


def downgrade() -> None:
    op.execute("SELECT audit_detach('api_tokens')")
    op.execute("DROP TABLE login_failures, api_tokens")
    op.execute("INSERT INTO permissions VALUES ('analyst', 'metrics.recalculate') "
               "ON CONFLICT DO NOTHING")
    op.execute("UPDATE roles SET description = 'reads the book and the accounts; recalculates "
               "metrics' WHERE name = 'analyst'")
    op.execute("UPDATE users SET role = 'loan_officer' "
               "WHERE role IN ('supervisor', 'vertical_lead')")
    op.execute("DELETE FROM roles WHERE name IN ('supervisor', 'vertical_lead')")
