INSERT INTO api_tokens (name, kind, user_id, role, token_hash, token_prefix, created_by,
                        expires_at)
VALUES (:name, :kind, :user_id, :role, :token_hash, :token_prefix, :created_by, :expires_at)
RETURNING id
