"""Users, roles and permissions; the audit log, attached to the business tables.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from alembic import op
from sqlalchemy import text

from astrofinance.db.sqlfiles import execute_file

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# loans' computed fields (written by recalculate_all_loan_fields), their copies of the
# officer's hierarchy and the wave (written by apply_officer_hierarchy and assign_waves from
# officers and wave_rules, which are audited themselves): not audited on loans.
LOANS_IGNORED = [
    "updated_at", "fields_as_of", "fields_updated_at", "total_repayments",
    "principal_outstanding", "interest_outstanding", "fees_outstanding", "total_outstanding",
    "actual_outstanding", "overpaid_amount", "daily_repayment_amount",
    "repayment_days_due_today", "repayment_days_paid", "current_dpd", "max_dpd_ever",
    "installments_in_arrears", "fimr_tagged", "early_indicator_tagged", "repayment_delay_rate",
    "timeliness_score", "repayment_health", "days_since_last_repayment",
    "business_days_since_disbursement", "overdue_amount", "fimr_eligible",
    "written_off_principal",
    "wave", "branch", "region", "supervisor_email", "supervisor_name", "vertical_lead_email",
    "vertical_lead_name",
]

# (table, key column(s), ignored columns, masked columns)
AUDITED: list[tuple[str, str, list[str], list[str]]] = [
    ("officers", "officer_id", [], []),
    ("customers", "customer_id", [], []),
    ("loans", "loan_id", LOANS_IGNORED, []),
    ("repayments", "repayment_id", [], []),
    ("payment_schedules", "loan_id,installment_no", [], []),
    ("holidays", "id", [], []),
    ("wave_rules", "id", [], []),
    ("app_settings", "key", [], []),
    ("users", "id", ["updated_at", "last_login_at"], ["password_hash"]),
    ("roles", "name", [], []),
    ("permissions", "role,permission", [], []),
]

FUNCTIONS = (
    "audit_actor, audit_bulk_mode, audit_cascade_limit, audit_bulk, audit_mask, audit_diff, "
    "audit_record_id, audit_key_sql, audit_rows_sql, audit_statement_sql, audit_statement, "
    "audit_row_updated, audit_row_flush, audit_truncated, audit_detach, audit_attach, "
    "audit_refresh, audit_purge, audit_logs_append_only"
)


def upgrade() -> None:
    bind = op.get_bind()
    execute_file(bind, "astrofinance.db", "0004_auth_audit")
    execute_file(bind, "astrofinance.audit", "functions_audit")
    for table, key, ignored, masked in AUDITED:
        bind.execute(text("SELECT audit_attach(CAST(:t AS regclass), :k, "
                          "CAST(:i AS text[]), CAST(:m AS text[]))"),
                     {"t": table, "k": key, "i": ignored, "m": masked})


def downgrade() -> None:
    # tables of later revisions are gone already (their triggers with them)
    op.execute("SELECT audit_detach(to_regclass(table_name)) FROM audit_tables "
               "WHERE to_regclass(table_name) IS NOT NULL")
    op.execute("DROP INDEX officers_user_uq; "
               "ALTER TABLE officers DROP CONSTRAINT officers_user_fk")
    op.execute("DROP TABLE audit_tables, audit_logs, users, permissions, roles")
    op.execute(f"DROP FUNCTION {FUNCTIONS}")
