-- AstroFinance schema, revision 0008: what the HTTP API needs.
--   * the team roles supervisor and vertical_lead (scoping: auth/scope.py);
--   * recalculation is for managers and admins only (issue 5), no longer analysts;
--   * api_tokens: sign-in sessions and long-lived API tokens, stored as SHA-256 hashes only;
--   * login_failures: the failed sign-ins the login rate limit counts.

-- The roles are part of the schema, as 0004's were (seeded before the audit was attached):
-- not changes anyone made, so not written to the audit log.
ALTER TABLE roles DISABLE TRIGGER USER;
ALTER TABLE permissions DISABLE TRIGGER USER;

INSERT INTO roles (name, description) VALUES
    ('supervisor', 'a team lead: the loans, customers and metrics of the officers they supervise'),
    ('vertical_lead', 'the loans, customers and metrics of the officers in their vertical');

INSERT INTO permissions (role, permission)
SELECT r.role, p.permission
FROM (VALUES ('supervisor'), ('vertical_lead')) AS r (role)
CROSS JOIN (SELECT permission FROM permissions WHERE role = 'loan_officer') AS p;

DELETE FROM permissions WHERE role = 'analyst' AND permission = 'metrics.recalculate';
UPDATE roles SET description = 'reads the book, the accounts and the metrics'
WHERE name = 'analyst';

ALTER TABLE roles ENABLE TRIGGER USER;
ALTER TABLE permissions ENABLE TRIGGER USER;

-- kind 'session': made by signing in, acts as its user, expires (ASTROFINANCE_SESSION_HOURS).
-- kind 'api': made by `astrofinance tokens create`; acts with its own role, or as its user
-- when it has one; expires only when given a date. Either dies when revoked or when its user
-- is disabled. The token itself is shown once; only its SHA-256 is kept.
CREATE TABLE api_tokens (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._@ -]{0,63}$'),
    kind          text NOT NULL CHECK (kind IN ('session', 'api')),
    user_id       bigint REFERENCES users (id) ON DELETE CASCADE,
    role          text REFERENCES roles (name) ON UPDATE CASCADE,
    token_hash    text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    token_prefix  text NOT NULL,
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz,
    last_used_at  timestamptz,
    revoked_at    timestamptz,
    CHECK ((user_id IS NULL) <> (role IS NULL)),
    CHECK (kind = 'api' OR (user_id IS NOT NULL AND expires_at IS NOT NULL))
);
CREATE UNIQUE INDEX api_tokens_name_uq ON api_tokens (lower(name))
    WHERE kind = 'api' AND revoked_at IS NULL;
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

CREATE TABLE login_failures (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username   text NOT NULL,
    client     text NOT NULL,
    failed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_user_idx ON login_failures (lower(username), failed_at);
CREATE INDEX login_failures_client_idx ON login_failures (client, failed_at);
