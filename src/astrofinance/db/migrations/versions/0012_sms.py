"""SMS reminders: templates with placeholders, the history (and queue) of every message,
send_overdue_loan_notifications(days_overdue, created_by) queueing one per overdue loan a day.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from alembic import op
from sqlalchemy import text

from astrofinance.db.sqlfiles import execute_file

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

AUDITED = [("sms_templates", "code"), ("sms_histories", "id")]


def upgrade() -> None:
    bind = op.get_bind()
    execute_file(bind, "astrofinance.db", "0012_sms")
    execute_file(bind, "astrofinance.sms", "functions_sms")
    for table, key in AUDITED:
        bind.execute(text("SELECT audit_attach(CAST(:t AS regclass), :k)"),
                     {"t": table, "k": key})


def downgrade() -> None:
    for table, _ in AUDITED:
        op.execute(f"SELECT audit_detach('{table}')")
    op.execute("DROP FUNCTION send_overdue_loan_notifications(integer, text, date, text, text[]); "
               "DROP FUNCTION sms_overdue_candidates(integer, date, text, text[]); "
               "DROP FUNCTION sms_render(text, text, numeric, integer, text, text, text)")
    op.execute("DROP TABLE sms_histories, sms_templates")
