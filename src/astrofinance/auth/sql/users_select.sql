-- Users (all, or the one with this username, case-insensitively) with their role's
-- permissions; never the password hash.
SELECT u.id, u.username, u.full_name, u.email, u.role, u.is_active, u.created_at,
       u.updated_at, u.last_login_at, u.password_changed_at,
       coalesce(array_agg(p.permission ORDER BY p.permission)
                    FILTER (WHERE p.permission IS NOT NULL), '{}') AS permissions
FROM users u
LEFT JOIN permissions p ON p.role = u.role
WHERE (CAST(:username AS text) IS NULL OR lower(u.username) = lower(:username))
GROUP BY u.id
ORDER BY lower(u.username)
