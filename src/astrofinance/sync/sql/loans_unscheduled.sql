-- Loans due a generated schedule that have none: the loans a sync inserted (their schedules are
-- generated once per run, after the loan batches), or left by a run stopped before that step.
-- In id order, cut into chunks of %(size)s loans: (first id, last id, loans) per chunk. A chunk
-- is a range of ids, so the connections that generate the chunks need no list from this one.
SELECT min(loan_id), max(loan_id), count(*)
FROM (SELECT l.loan_id, (row_number() OVER (ORDER BY l.loan_id) - 1) / %(size)s AS chunk
      FROM loans l
      WHERE l.schedule_source = 'generated'
        AND l.first_payment_due_date IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM loan_schedule_state s WHERE s.loan_id = l.loan_id)) u
GROUP BY chunk
ORDER BY chunk
