"""The audit log: triggers on the business tables (sql/functions_audit.sql) and reading it."""
