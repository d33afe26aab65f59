-- The SMS history, newest first (sms/service.py history): optional loan and status filters.
SELECT h.id, h.loan_id, h.customer_id, h.phone, h.template_code, h.message, h.status,
       h.attempts, h.last_error, h.provider, h.provider_message_id, h.created_by, h.created_at,
       h.next_attempt_at, h.sent_at, h.for_day
FROM sms_histories h
WHERE (CAST(:loan_id AS text) IS NULL OR h.loan_id = :loan_id)
  AND (CAST(:status AS text) IS NULL OR h.status = :status)
ORDER BY h.created_at DESC, h.id DESC
LIMIT :limit
