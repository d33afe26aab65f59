-- AstroFinance schema, revision 0012: SMS reminders (issue 7; the seed's sms_templates and
-- sms_histories). The functions that queue messages (send_overdue_loan_notifications and the
-- rendering) are in astrofinance/sms/sql/functions_sms.sql; the migration runs that file too.
--   * sms_templates: a message's text with {placeholders} (sms/service.py PLACEHOLDERS);
--   * sms_histories: every message queued, with its delivery state; at most one per loan,
--     day and template (the unique key the queueing's ON CONFLICT DO NOTHING relies on).

CREATE TABLE sms_templates (
    code        text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{0,39}$'),
    name        text NOT NULL CHECK (btrim(name) <> ''),
    body        text NOT NULL CHECK (btrim(body) <> '' AND length(body) <= 1000),
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

INSERT INTO sms_templates (code, name, body) VALUES
    ('overdue', 'Overdue reminder',
     'Dear {customer_name}, your loan {loan_id} is {days_overdue} day(s) overdue: NGN '
     '{amount_due} is due. Please pay today. Questions? Call {officer_name} on {officer_phone}.');

-- status: queued (waiting: next_attempt_at, quiet hours), sent, failed (no attempts left),
-- cancelled (by an operator). for_day: the business day it was queued for.
CREATE TABLE sms_histories (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    loan_id              text COLLATE "C" NOT NULL
                           REFERENCES loans (loan_id) ON DELETE CASCADE ON UPDATE CASCADE,
    customer_id          text COLLATE "C"
                           REFERENCES customers (customer_id) ON DELETE SET NULL
                           ON UPDATE CASCADE,
    phone                text NOT NULL CHECK (btrim(phone) <> ''),
    template_code        text NOT NULL REFERENCES sms_templates (code) ON UPDATE CASCADE,
    message              text NOT NULL,
    status               text NOT NULL DEFAULT 'queued'
                           CHECK (status IN ('queued', 'sent', 'failed', 'cancelled')),
    attempts             integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error           text,
    provider             text,
    provider_message_id  text,
    created_by           text NOT NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    next_attempt_at      timestamptz NOT NULL DEFAULT now(),
    sent_at              timestamptz,
    for_day              date NOT NULL,
    CONSTRAINT sms_histories_once_a_day UNIQUE (loan_id, for_day, template_code),
    CHECK ((status = 'sent') = (sent_at IS NOT NULL))
);
CREATE INDEX sms_histories_queue_idx ON sms_histories (next_attempt_at, id)
    WHERE status = 'queued';
CREATE INDEX sms_histories_created_idx ON sms_histories (created_at DESC, id DESC);
