-- The next batch of queued messages due by :now (oldest first), locked for this sender:
-- another sender running at the same time skips them (SKIP LOCKED) and takes the next ones.
-- :ids narrows it to given messages (a loan page's "Send a reminder"), NULL: all.
SELECT h.id, h.phone, h.message, h.attempts
FROM sms_histories h
WHERE h.status = 'queued' AND h.next_attempt_at <= :now
  AND (CAST(:ids AS bigint[]) IS NULL OR h.id = ANY (CAST(:ids AS bigint[])))
ORDER BY h.next_attempt_at, h.id
LIMIT :limit
FOR UPDATE SKIP LOCKED
