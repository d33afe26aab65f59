-- Revoke a token by id, or an API token by name (any case); the revoked rows' ids.
UPDATE api_tokens SET revoked_at = now()
WHERE revoked_at IS NULL
  AND ((CAST(:id AS bigint) IS NOT NULL AND id = :id)
       OR (CAST(:name AS text) IS NOT NULL AND kind = 'api' AND lower(name) = lower(:name))
       OR (CAST(:token_hash AS text) IS NOT NULL AND token_hash = :token_hash))
RETURNING id
