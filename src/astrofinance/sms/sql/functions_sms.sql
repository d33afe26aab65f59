-- SMS reminders (issue 7; tables in db/sql/0012_sms.sql). ONE definition each:
--   sms_render(body, customer_name, amount_due, days_overdue, loan_id, officer_name,
--              officer_phone)                     a template's text with its placeholders filled
--   sms_overdue_candidates(days, for_day, template, loan_ids)   the messages a queueing would
--                                                   add (the dry run reads it; writes nothing)
--   send_overdue_loan_notifications(days_overdue, created_by [, for_day, template, loan_ids])
--                                                   queues them; returns how many

-- Placeholders: {customer_name} {amount_due} {days_overdue} {loan_id} {officer_name}
-- {officer_phone}. Money shows with thousands separators and 2 decimals; a missing value as
-- an empty string (never the word "null"). Unknown {words} stay as they are (sms/service.py
-- refuses them when a template is saved).
CREATE OR REPLACE FUNCTION sms_render(p_body text, p_customer_name text, p_amount_due numeric,
                                      p_days_overdue integer, p_loan_id text,
                                      p_officer_name text, p_officer_phone text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT replace(replace(replace(replace(replace(replace(p_body,
        '{customer_name}', coalesce(p_customer_name, '')),
        '{amount_due}', coalesce(to_char(p_amount_due, 'FM999,999,999,999,990.00'), '0.00')),
        '{days_overdue}', coalesce(p_days_overdue, 0)::text),
        '{loan_id}', coalesce(p_loan_id, '')),
        '{officer_name}', coalesce(p_officer_name, '')),
        '{officer_phone}', coalesce(p_officer_phone, ''))
$$;

-- The loans a reminder goes to on p_for_day: on the books that day (loan_on_books, the GLP's
-- rule), at least p_days days past due (the stored current_dpd; a loan never computed counts
-- as 0), a customer with a phone, an active template p_template, and no message of that
-- template for the loan that day yet. p_loan_ids: only these loans (NULL: all). The amount due
-- is the stored overdue_amount (due before the fields' date and unpaid).
CREATE OR REPLACE FUNCTION sms_overdue_candidates(p_days integer, p_for_day date,
                                                  p_template text,
                                                  p_loan_ids text[] DEFAULT NULL)
RETURNS TABLE (loan_id text, customer_id text, customer_name text, phone text,
               days_overdue integer, amount_due numeric, message text)
LANGUAGE sql STABLE AS $$
    SELECT l.loan_id, c.customer_id, c.name, btrim(c.phone), coalesce(l.current_dpd, 0),
           coalesce(l.overdue_amount, 0),
           sms_render(t.body, c.name, coalesce(l.overdue_amount, 0),
                      coalesce(l.current_dpd, 0), l.loan_id, o.name, o.phone)
    FROM loans l
    JOIN customers c ON c.customer_id = l.customer_id
    JOIN sms_templates t ON t.code = p_template AND t.active
    LEFT JOIN officers o ON o.officer_id = l.officer_id
    WHERE loan_on_books(l.status, l.disbursement_date, l.closed_on, l.written_off_on, p_for_day)
      AND coalesce(l.current_dpd, 0) >= p_days
      AND nullif(btrim(c.phone), '') IS NOT NULL
      AND (p_loan_ids IS NULL OR l.loan_id = ANY (p_loan_ids))
      AND NOT EXISTS (SELECT 1 FROM sms_histories h
                      WHERE h.loan_id = l.loan_id AND h.for_day = p_for_day
                        AND h.template_code = p_template)
    ORDER BY l.loan_id
$$;

-- Queue one message per candidate (set-based; the unique (loan_id, for_day, template_code)
-- makes a second call the same day, or a concurrent one, queue nothing more). for_day
-- defaults to business_today(). Delivery is the sender's (sms/service.py deliver_due), which
-- holds the queue during quiet hours.
CREATE OR REPLACE FUNCTION send_overdue_loan_notifications(p_days_overdue integer,
                                                           p_created_by text,
                                                           p_for_day date DEFAULT NULL,
                                                           p_template text DEFAULT 'overdue',
                                                           p_loan_ids text[] DEFAULT NULL)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    v_day date := coalesce(p_for_day, business_today());
    v_n integer;
BEGIN
    IF p_days_overdue IS NULL OR p_days_overdue < 0 THEN
        RAISE EXCEPTION 'days overdue must be 0 or more, not %', p_days_overdue
            USING ERRCODE = 'AF422';
    END IF;
    IF nullif(btrim(p_created_by), '') IS NULL THEN
        RAISE EXCEPTION 'say who queues the messages (created_by)' USING ERRCODE = 'AF422';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM sms_templates WHERE code = p_template AND active) THEN
        RAISE EXCEPTION 'no active SMS template %', p_template USING ERRCODE = 'AF404';
    END IF;
    INSERT INTO sms_histories (loan_id, customer_id, phone, template_code, message, created_by,
                               for_day)
    SELECT c.loan_id, c.customer_id, c.phone, p_template, c.message, p_created_by, v_day
    FROM sms_overdue_candidates(p_days_overdue, v_day, p_template, p_loan_ids) c
    ON CONFLICT (loan_id, for_day, template_code) DO NOTHING;
    GET DIAGNOSTICS v_n = ROW_COUNT;
    RETURN v_n;
END $$;
