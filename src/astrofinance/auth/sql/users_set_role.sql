UPDATE users SET role = :role, updated_at = now()
WHERE id = :id AND role IS DISTINCT FROM :role
