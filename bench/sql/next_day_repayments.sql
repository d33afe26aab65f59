-- A business day's collections: one repayment of the expected daily amount (at most what is
-- still owed) for every active loan that still owes something, dated the given day. The loans'
-- states are extended by the next recalculation, not rebuilt (docs/metrics.md).
INSERT INTO repayments (repayment_id, loan_id, payment_date, payment_amount, channel)
SELECT 'bench-' || to_char(%(day)s::date, 'YYYYMMDD') || '-' || l.loan_id, l.loan_id, %(day)s,
       least(round(l.repayment_amount / l.installments, 2), l.actual_outstanding), 'bench'
FROM loans l
WHERE l.status = 'Active' AND l.actual_outstanding > 0
