-- End a user's live sessions (their sign-ins); their API tokens are left as they are.
UPDATE api_tokens SET revoked_at = now()
WHERE user_id = :user_id AND kind = 'session' AND revoked_at IS NULL
