-- Source repayments the sync quarantined because their loan is not here (the loan is not
-- synced, was rejected, or is not disbursed): one row per repayment, `id` its source key.
SELECT q.source_key AS id
FROM sync_quarantine q
WHERE q.entity = 'repayments'
  AND q.reason LIKE '%unknown loan_id%'
