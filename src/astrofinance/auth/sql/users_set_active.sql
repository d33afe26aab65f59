UPDATE users SET is_active = :active, updated_at = now()
WHERE id = :id AND is_active IS DISTINCT FROM :active
