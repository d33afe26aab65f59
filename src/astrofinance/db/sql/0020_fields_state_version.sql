-- The stored fields' state counter: a sequence moved on by every statement that can change
-- the answer of loan_fields_stored_state() (the date of the stored fields and how many loans
-- lack them), which reads only which loans exist and their fields_as_of, status and
-- disbursement_date. The triggers below count inserts, deletes, truncates and updates that
-- set any of those three. recalculate_all_loan_fields sets fields_as_of only when some loan's
-- date moves (metrics/sql/functions_fields.sql), so a payment's one-loan recalculation as of
-- the stored date moves nothing: the state computed before it still holds and
-- metrics/stored_state.py keeps it, and the portfolio pages after a payment skip a pass over
-- every loan.
CREATE SEQUENCE fields_state_version;

CREATE FUNCTION bump_fields_state_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval('fields_state_version');
    RETURN NULL;
END $$;

CREATE TRIGGER loans_fields_state
    AFTER INSERT OR DELETE OR UPDATE OF fields_as_of, status, disbursement_date ON loans
    FOR EACH STATEMENT EXECUTE FUNCTION bump_fields_state_version();
CREATE TRIGGER loans_fields_state_truncate AFTER TRUNCATE
    ON loans FOR EACH STATEMENT EXECUTE FUNCTION bump_fields_state_version();
