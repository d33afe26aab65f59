-- `db seed --replace`: delete the loan book (not holidays, settings or wave rules).
-- CASCADE also empties every table that references these (per-loan state, summaries, and
-- what later revisions add): their rows would point at loans that no longer exist.
TRUNCATE repayments, payment_schedules, stale_loans, loans, customers, officers CASCADE;
