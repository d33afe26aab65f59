-- loans.csv rules across columns (the values are already well-formed).
INSERT INTO _imp_problems (file, line, column_name, value, reason, key)
SELECT 'loans.csv', c.line, c.column_name, c.value, c.reason, c.loan_id
FROM (
    SELECT line, loan_id, 'repayment_amount' AS column_name, repayment_amount AS value,
           'must equal loan_amount + interest_amount + fee_amount = ' || total AS reason
    FROM (SELECT line, loan_id, repayment_amount,
                 loan_amount::numeric(18,2) + coalesce(interest_amount::numeric(18,2), 0)
                 + coalesce(fee_amount::numeric(18,2), 0) AS total
          FROM _imp_loans WHERE repayment_amount IS NOT NULL) t
    WHERE repayment_amount::numeric(18,2) <> total
    UNION ALL
    SELECT line, loan_id, 'written_off_on', written_off_on,
           'required when the status is Written Off'
    FROM _imp_loans WHERE status = 'Written Off' AND written_off_on IS NULL
    UNION ALL
    SELECT line, loan_id, 'first_payment_due_date', first_payment_due_date,
           'before disbursement_date ' || disbursement_date
    FROM _imp_loans WHERE first_payment_due_date::date < disbursement_date::date
    UNION ALL
    SELECT line, loan_id, 'written_off_on', written_off_on,
           'before disbursement_date ' || disbursement_date
    FROM _imp_loans WHERE written_off_on::date < disbursement_date::date
    UNION ALL
    SELECT line, loan_id, 'closed_on', closed_on, 'before disbursement_date ' || disbursement_date
    FROM _imp_loans WHERE closed_on::date < disbursement_date::date
) c
