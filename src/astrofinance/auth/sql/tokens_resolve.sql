-- The live token with this hash, acting as its user (whose role and activity count now) or
-- with its own role; `touch` when last_used_at is worth refreshing (at most once a minute).
SELECT t.id, t.kind, t.name, t.user_id, u.username, u.email,
       coalesce(u.role, t.role) AS role,
       coalesce(array_agg(p.permission ORDER BY p.permission)
                    FILTER (WHERE p.permission IS NOT NULL), '{}') AS permissions,
       t.expires_at,
       (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute') AS touch
FROM api_tokens t
LEFT JOIN users u ON u.id = t.user_id
LEFT JOIN permissions p ON p.role = coalesce(u.role, t.role)
WHERE t.token_hash = :token_hash
  AND t.revoked_at IS NULL
  AND (t.expires_at IS NULL OR t.expires_at > now())
  AND (t.user_id IS NULL OR u.is_active)
GROUP BY t.id, u.id
