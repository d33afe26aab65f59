-- API tokens (and, with :sessions, sign-in sessions); never the hash.
SELECT t.id, t.name, t.kind, u.username, coalesce(u.role, t.role) AS role, t.token_prefix,
       t.created_by, t.created_at, t.expires_at, t.last_used_at, t.revoked_at
FROM api_tokens t
LEFT JOIN users u ON u.id = t.user_id
WHERE (t.kind = 'api' OR :sessions)
  AND (t.revoked_at IS NULL OR :revoked)
  AND (CAST(:id AS bigint) IS NULL OR t.id = :id)
ORDER BY t.created_at DESC, t.id DESC
