"""The ledger's reports and reconciliation, risk operations (PAR, defaults, provisioning) and
the operators' views (vw_overdue_loans, vw_daily_transactions, mvw_monthly_financial_summary).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from alembic import op

from astrofinance.accounting import FUNCTION_FILES
from astrofinance.db.sqlfiles import execute_file
from astrofinance.metrics.cbn_sql import create_cbn_classes

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    execute_file(bind, "astrofinance.db", "0006_ledger_reports")
    create_cbn_classes(bind)
    for package, name in FUNCTION_FILES:
        execute_file(bind, package, name)


def downgrade() -> None:
    op.execute(
        "DROP FUNCTION refresh_monthly_financial_summary(); "
        "DROP VIEW vw_daily_transactions, vw_overdue_loans; "
        "DROP FUNCTION book_loan_loss_provision(date, text), provision_report(date), "
        "loan_loss_allowance(date), mark_defaulted_loans(integer, text), "
        "reconcile_ledger_loans(), reconcile_ledger(), ledger_loan_amounts(), "
        "ledger_book_amounts(), ledger_reconciliation_checks(), "
        "calculate_par(integer, date), loan_fields_as_of(date, text[]), "
        "loan_fields_stored_state(), loan_on_books(text, date, date, date, date), "
        "cbn_classes(); "
        "DROP MATERIALIZED VIEW mvw_monthly_financial_summary; DROP TYPE par_result;")
