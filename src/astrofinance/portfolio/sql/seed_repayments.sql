-- Move the staged demo repayments into repayments (one statement: the repayment triggers fire once).
INSERT INTO repayments (repayment_id, loan_id, payment_date, payment_amount, is_reversed,
                        channel, reference)
SELECT repayment_id, loan_id, payment_date, payment_amount, is_reversed, channel, reference
FROM _seed_repayments;  -- staged in loan order already
