"""The loan book: products, origination, disbursement, payment posting and allocation.

The rules are SQL functions (lending/sql/functions_lending.sql), so psql, the CLI and the API
share one implementation; this package calls them and shapes their results.
"""
