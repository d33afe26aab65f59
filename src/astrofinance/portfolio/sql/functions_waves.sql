-- Waves (rules as data in wave_rules) and the hierarchy copied from officers onto loans.

-- The wave for an officer hire date and a disbursement date: the first active rule by
-- priority whose conditions all hold.
CREATE OR REPLACE FUNCTION loan_wave(p_hire_date date, p_disbursement_date date)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT r.wave FROM wave_rules r
    WHERE r.active
      AND (r.officer_hired_on_or_after IS NULL OR p_hire_date >= r.officer_hired_on_or_after)
      AND (r.disbursed_on_or_after IS NULL OR p_disbursement_date >= r.disbursed_on_or_after)
    ORDER BY r.priority, r.id
    LIMIT 1
$$;

-- Backfill waves (all loans, or the given ones); returns the number of loans whose wave changed.
CREATE OR REPLACE FUNCTION assign_waves(p_loan_ids text[] DEFAULT NULL)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    v_rows integer;
BEGIN
    UPDATE loans l SET wave = w.wave
    FROM (SELECT l2.loan_id, loan_wave(o.hire_date, l2.disbursement_date) AS wave
          FROM loans l2 LEFT JOIN officers o ON o.officer_id = l2.officer_id
          WHERE p_loan_ids IS NULL OR l2.loan_id = ANY (p_loan_ids)) w
    WHERE l.loan_id = w.loan_id AND l.wave IS DISTINCT FROM w.wave;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END $$;

-- New and changed loans: copy the officer's hierarchy and assign the wave.
CREATE OR REPLACE FUNCTION loans_assign_wave_and_hierarchy() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    o officers%ROWTYPE;
BEGIN
    IF NEW.officer_id IS NOT NULL THEN
        SELECT * INTO o FROM officers WHERE officer_id = NEW.officer_id;
    END IF;
    IF TG_OP = 'INSERT' OR NEW.officer_id IS DISTINCT FROM OLD.officer_id THEN
        NEW.branch := coalesce(o.branch, NEW.branch);
        NEW.region := coalesce(o.region, NEW.region);
        NEW.supervisor_email := coalesce(o.supervisor_email, NEW.supervisor_email);
        NEW.supervisor_name := coalesce(o.supervisor_name, NEW.supervisor_name);
        NEW.vertical_lead_email := coalesce(o.vertical_lead_email, NEW.vertical_lead_email);
        NEW.vertical_lead_name := coalesce(o.vertical_lead_name, NEW.vertical_lead_name);
    END IF;
    NEW.wave := loan_wave(o.hire_date, NEW.disbursement_date);
    RETURN NEW;
END $$;

CREATE OR REPLACE TRIGGER trg_loans_assign_wave
    BEFORE INSERT OR UPDATE OF officer_id, disbursement_date ON loans
    FOR EACH ROW EXECUTE FUNCTION loans_assign_wave_and_hierarchy();

-- Copy officers' hierarchy (branch, region, supervisor, vertical lead) and wave onto their
-- loans (all officers, or the given ones), rewriting only the loans that differ; returns how
-- many loans changed. One rule for the trigger below and `astrofinance hierarchy apply`.
CREATE OR REPLACE FUNCTION apply_officer_hierarchy(p_officer_ids text[] DEFAULT NULL)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    v_rows integer;
BEGIN
    UPDATE loans l SET branch = n.branch, region = n.region,
           supervisor_email = n.supervisor_email, supervisor_name = n.supervisor_name,
           vertical_lead_email = n.vertical_lead_email, vertical_lead_name = n.vertical_lead_name,
           wave = loan_wave(n.hire_date, l.disbursement_date)
    FROM officers n
    WHERE l.officer_id = n.officer_id
      AND (p_officer_ids IS NULL OR n.officer_id = ANY (p_officer_ids))
      AND (l.branch, l.region, l.supervisor_email, l.supervisor_name, l.vertical_lead_email,
           l.vertical_lead_name, l.wave)
          IS DISTINCT FROM
          (n.branch, n.region, n.supervisor_email, n.supervisor_name, n.vertical_lead_email,
           n.vertical_lead_name, loan_wave(n.hire_date, l.disbursement_date));
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END $$;

-- An officer's hire date or hierarchy changed: keep their loans in step.
CREATE OR REPLACE FUNCTION officers_propagate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM apply_officer_hierarchy(ARRAY(SELECT officer_id FROM new_rows));
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER trg_officers_wave_hierarchy
    AFTER UPDATE ON officers REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION officers_propagate();

-- A wave rule changed: backfill every loan.
CREATE OR REPLACE FUNCTION wave_rules_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM assign_waves(NULL);
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER trg_wave_rules_backfill
    AFTER INSERT OR UPDATE OR DELETE ON wave_rules
    FOR EACH STATEMENT EXECUTE FUNCTION wave_rules_changed();
