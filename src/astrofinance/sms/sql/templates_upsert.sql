-- Create or change a template (sms/service.py set_template); the name stays when not given.
INSERT INTO sms_templates AS t (code, name, body, active)
VALUES (:code, coalesce(:name, :code), :body, coalesce(:active, true))
ON CONFLICT (code) DO UPDATE
SET body = EXCLUDED.body, name = coalesce(:name, t.name),
    active = coalesce(:active, t.active), updated_at = now()
RETURNING code, name, body, active, created_at, updated_at
