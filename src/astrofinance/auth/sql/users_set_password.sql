-- A new password (password_changed_at moves), or the same one rehashed with new argon2
-- parameters (:changed false: only the hash).
UPDATE users SET password_hash = :password_hash,
       password_changed_at = CASE WHEN :changed THEN now() ELSE password_changed_at END,
       updated_at = CASE WHEN :changed THEN now() ELSE updated_at END
WHERE id = :id
