-- A message the provider accepted.
UPDATE sms_histories
SET status = 'sent', attempts = attempts + 1, sent_at = :now, provider = :provider,
    provider_message_id = :provider_message_id, last_error = NULL
WHERE id = :id
