-- Loans: nine in ten daily with about `rpl` installments, the rest weekly or monthly;
-- disbursed over the 18 months before as_of (recent ones more often); a few old ones written off.
-- Hierarchy and wave are set by the loans trigger, as for any loan.
INSERT INTO loans (loan_id, customer_id, officer_id, product, channel, loan_amount,
                   interest_amount, fee_amount, repayment_amount, installments, frequency,
                   disbursement_date, first_payment_due_date, status, written_off_on)
SELECT loan_id, customer_id, officer_id, product, 'agent', principal, interest, fee,
       principal + interest + fee, n, frequency, disbursed,
       CASE frequency WHEN 'daily' THEN disbursed + 1 WHEN 'weekly' THEN disbursed + 7
            ELSE (disbursed + interval '1 month')::date END,
       CASE WHEN written_off THEN 'Written Off' ELSE 'Active' END,
       CASE WHEN written_off THEN disbursed + 240 END
FROM (
    SELECT 'LN' || lpad(g::text, 8, '0') AS loan_id,
           'CUS' || lpad((1 + (g * 7) %% %(customers)s)::text, 8, '0') AS customer_id,
           'OFF' || lpad((1 + (1 + (g * 7) %% %(customers)s) %% %(officers)s)::text, 6, '0')
               AS officer_id,  -- the customer's officer
           CASE WHEN r1 < 0.90 THEN 'daily' WHEN r1 < 0.96 THEN 'weekly' ELSE 'monthly' END
               AS frequency,
           CASE WHEN r1 < 0.90 THEN 'Ajo Daily' WHEN r1 < 0.96 THEN 'Ajo Weekly'
                ELSE 'SME Monthly' END AS product,
           CASE WHEN r1 < 0.90 THEN greatest(1, round(%(rpl)s * (0.8 + 0.9 * r2)))::int
                WHEN r1 < 0.96 THEN 8 + floor(r2 * 19)::int
                ELSE 3 + floor(r2 * 10)::int END AS n,
           (200 + floor(r3 * 4800)::int) * 100 AS principal,
           (200 + floor(r3 * 4800)::int) * (10 + floor(r4 * 21)::int) AS interest,
           CASE WHEN r4 < 0.4 THEN (200 + floor(r3 * 4800)::int) * 2 ELSE 0 END AS fee,
           %(as_of)s::date - floor(548 * power(r5, 1.3))::int AS disbursed,
           r6 < 0.02 AND r5 > 0.75 AS written_off
    FROM (SELECT g, random() AS r1, random() AS r2, random() AS r3, random() AS r4,
                 random() AS r5, random() AS r6
          FROM generate_series(1, %(loans)s) AS g) AS x
) AS t;
