-- A refused attempt: counted, its reason kept; retried after :retry_seconds * 2^(attempts
-- before this one) seconds, or failed for good when it was the last attempt allowed.
UPDATE sms_histories
SET attempts = attempts + 1, last_error = :error, provider = :provider,
    status = CASE WHEN attempts + 1 >= :max_attempts THEN 'failed' ELSE 'queued' END,
    next_attempt_at = :now + make_interval(secs => :retry_seconds * power(2, attempts))
WHERE id = :id
RETURNING status
