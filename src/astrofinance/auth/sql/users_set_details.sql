-- A user's full name and email (NULL clears one); whether anything changed.
UPDATE users SET full_name = :full_name, email = :email, updated_at = now()
WHERE id = :id AND (full_name, email) IS DISTINCT FROM (:full_name, :email)
