-- Repayments (reversed ones included) dated before their loan's disbursement_date.
-- First the loans that have one (an index probe per loan on repayments (loan_id, payment_date)),
-- then their early repayments: a join of all repayments with all loans costs several times more.
WITH early_loans AS MATERIALIZED (
    SELECT l.loan_id, l.disbursement_date
    FROM loans l
    WHERE EXISTS (SELECT 1 FROM repayments x
                  WHERE x.loan_id = l.loan_id AND x.payment_date < l.disbursement_date)
)
SELECT r.repayment_id AS id
FROM early_loans e
JOIN repayments r ON r.loan_id = e.loan_id AND r.payment_date < e.disbursement_date
