-- schedules.csv rules over a loan's whole schedule, after the row checks. A loan's schedule
-- is taken whole or not at all: when any of its rows is rejected, so are the others.
INSERT INTO _imp_problems (file, line, column_name, value, reason, key)
SELECT 'schedules.csv', s.line, 'loan_id', s.loan_id,
       'the schedule of loan ' || s.loan_id || ' has a rejected row (line ' || r.line || ')',
       s.loan_id
FROM _imp_schedules s
JOIN (SELECT key, min(line) AS line FROM _imp_problems
      WHERE file = 'schedules.csv' GROUP BY key) r ON r.key = s.loan_id;

-- Installments 1..k without gaps, k = the loan's installments, and the components summing to
-- the loan's repayment_amount (the loan's row in loans.csv, else the database's).
WITH supplied AS (
    SELECT loan_id, count(*) AS k, min(installment_no::integer) AS lo,
           max(installment_no::integer) AS hi,
           sum(principal_due::numeric(18,2) + coalesce(interest_due::numeric(18,2), 0)
               + coalesce(fee_due::numeric(18,2), 0)) AS total
    FROM _imp_schedules s
    WHERE NOT EXISTS (SELECT 1 FROM _imp_problems p
                      WHERE p.file = 'schedules.csv' AND p.key = s.loan_id)
    GROUP BY loan_id
), terms AS (
    SELECT loan_id, installments::integer AS n,
           coalesce(repayment_amount::numeric(18,2),
                    loan_amount::numeric(18,2) + coalesce(interest_amount::numeric(18,2), 0)
                    + coalesce(fee_amount::numeric(18,2), 0)) AS repayable
    FROM _imp_loans
    UNION ALL
    SELECT l.loan_id, l.installments, l.repayment_amount
    FROM loans l JOIN supplied s USING (loan_id)
    WHERE NOT EXISTS (SELECT 1 FROM _imp_loans i WHERE i.loan_id = l.loan_id)
), bad AS (
    SELECT s.loan_id,
           CASE WHEN s.lo <> 1 OR s.hi <> s.k
                THEN 'installment numbers of loan ' || s.loan_id || ' are not 1..' || s.k
                     || ' without gaps'
                WHEN s.k <> t.n
                THEN 'the schedule of loan ' || s.loan_id || ' has ' || s.k
                     || ' installments, the loan has ' || t.n
                WHEN s.total <> t.repayable
                THEN 'the schedule of loan ' || s.loan_id || ' sums to ' || s.total
                     || ', the loan''s repayment_amount is ' || t.repayable
           END AS reason
    FROM supplied s JOIN terms t USING (loan_id)
)
INSERT INTO _imp_problems (file, line, column_name, value, reason, key)
SELECT 'schedules.csv', s.line, 'loan_id', s.loan_id, b.reason, s.loan_id
FROM _imp_schedules s JOIN bad b USING (loan_id)
WHERE b.reason IS NOT NULL
