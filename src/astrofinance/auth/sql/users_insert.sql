INSERT INTO users (username, full_name, email, role, password_hash)
VALUES (:username, :full_name, :email, :role, :password_hash)
RETURNING id
