-- An officer's contact details and employment for their page (web/pages/officers.py), read
-- after metrics/officers.py officer_detail has found the officer within the caller's scope.
SELECT phone, hire_date, user_type
FROM officers
WHERE officer_id = :officer_id
