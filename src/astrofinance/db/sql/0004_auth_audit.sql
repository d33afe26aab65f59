-- AstroFinance schema, revision 0004: users, roles and permissions; the audit log.
-- The audit functions (audit_attach and the trigger functions) are in
-- astrofinance/audit/sql/functions_audit.sql; the migration attaches them to the tables.

CREATE TABLE roles (
    name         text PRIMARY KEY CHECK (name ~ '^[a-z][a-z_]*$'),
    description  text NOT NULL
);

-- What each role may do. Permission names are <area>.<action>; the matrix is documented in
-- docs/users-and-audit.md.
CREATE TABLE permissions (
    role        text NOT NULL REFERENCES roles (name) ON UPDATE CASCADE ON DELETE CASCADE,
    permission  text NOT NULL CHECK (permission ~ '^[a-z_]+\.[a-z_]+$'),
    PRIMARY KEY (role, permission)
);

INSERT INTO roles (name, description) VALUES
    ('admin', 'everything, including users and roles'),
    ('manager', 'runs the book: approvals, reversals, write-offs, accounting, sync; not users'),
    ('analyst', 'reads the book and the accounts; recalculates metrics'),
    ('loan_officer', 'customers, loan applications and payments'),
    ('viewer', 'reads the book, the accounts and the metrics');

WITH catalogue (permission) AS (VALUES
    ('users.manage'), ('audit.read'), ('settings.manage'), ('sync.run'),
    ('customers.read'), ('customers.write'), ('products.read'), ('products.write'),
    ('loans.read'), ('loans.write'), ('loans.approve'), ('loans.write_off'),
    ('payments.post'), ('payments.reverse'), ('accounting.read'), ('accounting.post'),
    ('metrics.read'), ('metrics.recalculate'))
INSERT INTO permissions (role, permission)
SELECT 'admin', permission FROM catalogue
UNION ALL
SELECT 'manager', permission FROM catalogue WHERE permission <> 'users.manage'
UNION ALL
SELECT r.role, r.permission
FROM (VALUES
    ('analyst', 'customers.read'), ('analyst', 'products.read'), ('analyst', 'loans.read'),
    ('analyst', 'accounting.read'), ('analyst', 'metrics.read'),
    ('analyst', 'metrics.recalculate'),
    ('loan_officer', 'customers.read'), ('loan_officer', 'customers.write'),
    ('loan_officer', 'products.read'), ('loan_officer', 'loans.read'),
    ('loan_officer', 'loans.write'), ('loan_officer', 'payments.post'),
    ('loan_officer', 'metrics.read'),
    ('viewer', 'customers.read'), ('viewer', 'products.read'), ('viewer', 'loans.read'),
    ('viewer', 'accounting.read'), ('viewer', 'metrics.read')) AS r (role, permission);

CREATE TABLE users (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username             text NOT NULL CHECK (username ~ '^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$'),
    full_name            text,
    email                text CHECK (email IS NULL OR email ~ '^[^@\s]+@[^@\s]+$'),
    role                 text NOT NULL REFERENCES roles (name) ON UPDATE CASCADE,
    password_hash        text NOT NULL CHECK (password_hash LIKE '$argon2%'),
    is_active            boolean NOT NULL DEFAULT true,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    last_login_at        timestamptz,
    password_changed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_username_uq ON users (lower(username));
CREATE INDEX users_role_idx ON users (role);

ALTER TABLE officers ADD CONSTRAINT officers_user_fk
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL;
CREATE UNIQUE INDEX officers_user_uq ON officers (user_id) WHERE user_id IS NOT NULL;

-- Every insert, update and delete on the audited tables (audit_tables), written by the
-- triggers of audit_attach(). changed_by is the application user of the transaction
-- (set_config('astrofinance.user', name, true)), else 'db:' || the database role.
-- UPDATE rows hold only the columns that changed; BULK rows summarise a bulk load's statement
-- ({"operation", "rows", "description"}); TRUNCATE rows say a table was emptied.
CREATE TABLE audit_logs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    table_name  text NOT NULL,
    record_id   text,
    action      text NOT NULL
                  CHECK (action IN ('INSERT', 'UPDATE', 'DELETE', 'BULK', 'TRUNCATE')),
    old_values  jsonb,
    new_values  jsonb,
    changed_by  text NOT NULL,
    changed_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    txid        bigint NOT NULL DEFAULT txid_current()
);
-- the filters of `astrofinance audit log` (newest first)
CREATE INDEX audit_logs_changed_at_idx ON audit_logs (changed_at);
CREATE INDEX audit_logs_table_idx ON audit_logs (table_name, changed_at);
CREATE INDEX audit_logs_record_idx ON audit_logs (record_id, table_name);
CREATE INDEX audit_logs_user_idx ON audit_logs (changed_by, changed_at);
CREATE INDEX audit_logs_txid_idx ON audit_logs (txid);
-- Append-only: rows are never changed; only audit_purge() deletes (retention).
CREATE FUNCTION audit_logs_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('astrofinance.audit_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_logs is append-only (% refused); old rows go with audit_purge()', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_logs_append_only BEFORE UPDATE OR DELETE ON audit_logs
    FOR EACH ROW EXECUTE FUNCTION audit_logs_append_only();

-- The tables audit_attach() has equipped, with its arguments (audit_refresh() re-attaches).
CREATE TABLE audit_tables (
    table_name  text PRIMARY KEY,        -- text, not regclass: pg_upgrade refuses regclass columns
    key_columns text[] NOT NULL,
    ignored     text[] NOT NULL DEFAULT '{}',
    masked      text[] NOT NULL DEFAULT '{}',
    attached_at timestamptz NOT NULL DEFAULT now()
);
