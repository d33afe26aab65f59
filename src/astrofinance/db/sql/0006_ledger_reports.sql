-- AstroFinance schema, revision 0006: the ledger's reports and the risk operations.
-- The functions and views live in CREATE OR REPLACE files (metrics/sql/functions_risk.sql,
-- accounting/sql/functions_ledger.sql, accounting/sql/views_reports.sql) that a later
-- migration can re-run; this file holds what cannot be replaced in place: the result type of
-- calculate_par and the materialized monthly summary.

-- calculate_par(days_threshold, as_of)'s row. A type, so the function's arguments keep the
-- names operators call it with (a RETURNS TABLE column may not share an argument's name).
CREATE TYPE par_result AS (
    as_of                 date,
    days_threshold        integer,
    loans_on_books        bigint,
    loans_at_risk         bigint,
    gross_loan_portfolio  numeric(18,2),
    principal_at_risk     numeric(18,2),
    par_percent           numeric(7,2),
    par_count_percent     numeric(7,2)
);

-- The last 12 months (the current one included) of the whole book, one row per month:
--   disbursements_count/amount  loans disbursed in the month (not Pending or Cancelled)
--   repayments_amount           non-reversed repayments dated in the month (a repayment reversed
--                               later leaves its month: net of reversals)
--   fees_charged                fee income booked in the month (ledger account 4100, net)
--   penalties_charged           penalty income booked in the month (ledger account 4200, net)
--   new_loans                   loans originated in the month: a ledger loan by the date it
--                               was created (whatever it became), another loan by its
--                               disbursement date (the only date it has)
--   completed_loans             loans Closed with closed_on in the month
-- Months are those of business_today() at the last refresh (refresh_monthly_financial_summary).
CREATE MATERIALIZED VIEW mvw_monthly_financial_summary AS
WITH span AS (
    SELECT date_trunc('month', business_today()::timestamp)::date AS last_month
), months AS (
    SELECT (s.last_month - make_interval(months => k))::date AS month
    FROM span s, generate_series(0, 11) AS k
), bounds AS (
    SELECT min(month) AS first_day, (max(month) + interval '1 month')::date AS end_day
    FROM months
), disbursed AS (
    SELECT date_trunc('month', l.disbursement_date::timestamp)::date AS month,
           count(*) AS n, sum(l.loan_amount) AS amount
    FROM loans l, bounds b
    WHERE l.status NOT IN ('Pending', 'Cancelled')
      AND l.disbursement_date >= b.first_day AND l.disbursement_date < b.end_day
    GROUP BY 1
), repaid AS (
    SELECT date_trunc('month', r.payment_date::timestamp)::date AS month,
           sum(r.payment_amount) AS amount
    FROM repayments r, bounds b
    WHERE NOT r.is_reversed AND r.payment_date >= b.first_day AND r.payment_date < b.end_day
    GROUP BY 1
), charged AS (
    SELECT date_trunc('month', e.entry_date::timestamp)::date AS month,
           sum(d.credit - d.debit) FILTER (WHERE d.account_code = '4100') AS fees,
           sum(d.credit - d.debit) FILTER (WHERE d.account_code = '4200') AS penalties
    FROM journal_entries e
    JOIN journal_entry_details d ON d.entry_id = e.id
    CROSS JOIN bounds b
    WHERE d.account_code IN ('4100', '4200')
      AND e.entry_date >= b.first_day AND e.entry_date < b.end_day
    GROUP BY 1
), originated AS (
    SELECT date_trunc('month', o.day::timestamp)::date AS month, count(*) AS n
    FROM (SELECT CASE WHEN a.loan_id IS NOT NULL
                      THEN (a.created_at AT TIME ZONE app_setting('timezone', 'Africa/Lagos'))::date
                      ELSE l.disbursement_date END AS day
          FROM loans l
          LEFT JOIN loan_accounts a ON a.loan_id = l.loan_id
          WHERE a.loan_id IS NOT NULL OR l.status NOT IN ('Pending', 'Cancelled')) o, bounds b
    WHERE o.day >= b.first_day AND o.day < b.end_day
    GROUP BY 1
), completed AS (
    SELECT date_trunc('month', l.closed_on::timestamp)::date AS month, count(*) AS n
    FROM loans l, bounds b
    WHERE l.status = 'Closed' AND l.closed_on >= b.first_day AND l.closed_on < b.end_day
    GROUP BY 1
)
SELECT m.month,
       to_char(m.month, 'YYYY-MM') AS month_label,
       coalesce(d.n, 0) AS disbursements_count,
       coalesce(d.amount, 0)::numeric(18,2) AS disbursements_amount,
       coalesce(r.amount, 0)::numeric(18,2) AS repayments_amount,
       coalesce(c.fees, 0)::numeric(18,2) AS fees_charged,
       coalesce(c.penalties, 0)::numeric(18,2) AS penalties_charged,
       coalesce(o.n, 0) AS new_loans,
       coalesce(x.n, 0) AS completed_loans,
       now() AS refreshed_at
FROM months m
LEFT JOIN disbursed d ON d.month = m.month
LEFT JOIN repaid r ON r.month = m.month
LEFT JOIN charged c ON c.month = m.month
LEFT JOIN originated o ON o.month = m.month
LEFT JOIN completed x ON x.month = m.month
ORDER BY m.month;

-- REFRESH ... CONCURRENTLY needs a unique index (readers are not blocked while it runs).
CREATE UNIQUE INDEX mvw_monthly_financial_summary_month_uq
    ON mvw_monthly_financial_summary (month);
