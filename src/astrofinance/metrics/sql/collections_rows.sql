-- The collection rows of the filtered loans over [:date_from, :date_to], the one definition the
-- collection rate reads (shared/spec/metrics.md, "Collection rate"): the non-reversed
-- repayments dated in the period (collected) and the installments falling due in it (due,
-- their amount_due), of the loans that are not Pending or Cancelled and pass the filters of
-- PortfolioFilters.sql (over loans as `b`). One row each: its day, two keys rendered by the
-- caller (portfolio.collection_rows: a group key, or NULL) and its amount.
-- The period's rows of both sides are read by their date indexes and joined to the loans
-- together, so the loans are read once; for the whole book by day only (no filter, no key:
-- the overview), not even once: the few Pending and Cancelled loans are looked up by their
-- status index and their rows left out (portfolio.collection_rows renders the choice).
-- A filter by officer reads collections_rows_by_loan.sql instead.
WITH p AS (
    SELECT r.loan_id, r.payment_date AS day, r.payment_amount AS collected,
           NULL::numeric AS due
    FROM repayments r
    WHERE NOT r.is_reversed AND r.payment_date BETWEEN :date_from AND :date_to
    UNION ALL
    SELECT s.loan_id, s.due_date, NULL, s.amount_due
    FROM payment_schedules s
    WHERE s.due_date BETWEEN :date_from AND :date_to
)
SELECT p.day, {key1} AS k1, {key2} AS k2, p.collected, p.due
FROM p
{counted}
