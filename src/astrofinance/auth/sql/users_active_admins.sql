-- Active admins other than this user (the last one cannot be disabled or demoted).
SELECT count(*) FROM users WHERE role = 'admin' AND is_active AND id <> :id
