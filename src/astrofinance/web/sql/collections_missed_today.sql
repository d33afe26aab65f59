-- "Missed today" on /collections: the loans that had an installment falling due on :day (the
-- business day by default) and paid nothing that day. A loan is listed when
--   * it is on the books on :day (loan_on_books: disbursed by then, not closed or written off
--     by then) and within the page's filters and the caller's scope (the clauses
--     of PortfolioFilters.sql() over loans as `b`);
--   * an installment of it falls due on :day (payment_schedules.due_date = :day);
--   * none of its non-reversed repayments is dated :day;
--   * and that installment is not already paid by the repayments dated before :day. They fill
--     the installments oldest first (the metrics engine's allocation, as vw_overdue_loans):
--     with R their sum and C the installment's cumulative_due, it is unpaid by
--     least(amount_due, C - R) when C > R (a loan that paid ahead has missed nothing). R is
--     loan_state.repaid_total when that is current and holds no repayment dated :day or later
--     (the loan is not waiting in stale_loans), else summed from repayments (by its index).
-- due: the amount of the installments falling due on :day; unpaid: the part of it not paid.
-- One row per loan, most days past due first (the stored current_dpd), one page of them
-- (:limit, :offset), each row carrying the count and the sums over all of them (a single row
-- of NULLs but the totals when the page is empty).
WITH due AS (
    SELECT s.loan_id, s.amount_due, s.cumulative_due, b.current_dpd
    FROM payment_schedules s
    JOIN loans b ON b.loan_id = s.loan_id
    WHERE s.due_date = :day
      AND loan_on_books(b.status, b.disbursement_date, b.closed_on, b.written_off_on, :day)
      {filters}
      AND NOT EXISTS (SELECT 1 FROM repayments r
                      WHERE r.loan_id = s.loan_id AND NOT r.is_reversed
                        AND r.payment_date = :day)
), part AS MATERIALIZED (          -- materialized: R is worked out once per installment
    SELECT d.loan_id, d.current_dpd, d.amount_due,
           least(d.amount_due, greatest(d.cumulative_due - r.repaid, 0)) AS unpaid
    FROM due d
    LEFT JOIN loan_state st ON st.loan_id = d.loan_id
    CROSS JOIN LATERAL (
        SELECT CASE WHEN st.loan_id IS NOT NULL
                         AND coalesce(st.last_repayment_date < :day, true)
                         AND NOT EXISTS (SELECT 1 FROM stale_loans x WHERE x.loan_id = d.loan_id)
                    THEN st.repaid_total
                    ELSE (SELECT coalesce(sum(p.payment_amount), 0) FROM repayments p
                          WHERE p.loan_id = d.loan_id AND NOT p.is_reversed
                            AND p.payment_date < :day) END AS repaid
    ) r
), missed AS MATERIALIZED (
    SELECT loan_id, max(current_dpd) AS current_dpd, sum(amount_due) AS due,
           sum(unpaid) AS unpaid
    FROM part
    GROUP BY loan_id
    HAVING sum(unpaid) > 0
), totals AS (
    SELECT count(*) AS loans, coalesce(sum(due), 0) AS due, coalesce(sum(unpaid), 0) AS unpaid
    FROM missed
)
SELECT t.loans AS total_loans, t.due AS total_due, t.unpaid AS total_unpaid, p.*
FROM totals t
LEFT JOIN LATERAL (
    SELECT m.loan_id, l.customer_id, c.name AS customer_name, c.phone AS customer_phone,
           l.officer_id, o.name AS officer_name, l.branch, m.due, m.unpaid, m.current_dpd
    FROM (SELECT * FROM missed
          ORDER BY current_dpd DESC NULLS LAST, unpaid DESC, loan_id
          LIMIT :limit OFFSET :offset) m
    JOIN loans l ON l.loan_id = m.loan_id
    LEFT JOIN customers c ON c.customer_id = l.customer_id
    LEFT JOIN officers o ON o.officer_id = l.officer_id
) p ON true
ORDER BY p.current_dpd DESC NULLS LAST, p.unpaid DESC, p.loan_id
