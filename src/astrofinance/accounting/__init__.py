"""Accounting: the ledger's reports (trial balance, ledger, balance sheet, income statement),
the reconciliation of the ledger with the loans' numbers, provisioning and the risk operations.

The journal itself is written by the loan book's SQL functions (lending/); the rules here are
SQL functions and queries (accounting/sql/), this package runs them and shapes their results.
"""

# The SQL files of migration 0006, in order (later ones call functions of earlier ones). A later
# migration that changes one of them re-runs it (each is CREATE OR REPLACE).
FUNCTION_FILES: list[tuple[str, str]] = [
    ("astrofinance.metrics", "functions_risk"),
    ("astrofinance.accounting", "functions_ledger"),
    ("astrofinance.accounting", "functions_risk"),
    ("astrofinance.accounting", "views_reports"),
]
