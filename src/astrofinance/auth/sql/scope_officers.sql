-- The officers whose loans a scoped user sees: their own officer record (linked by user_id,
-- or the same email) and, for a supervisor or vertical lead, the officers of their team.
SELECT coalesce(array_agg(o.officer_id ORDER BY o.officer_id), '{}')
FROM officers o
WHERE (CAST(:user_id AS bigint) IS NOT NULL AND o.user_id = :user_id)
   OR lower(o.email) = lower(:email)
   OR (:role = 'supervisor' AND lower(o.supervisor_email) = lower(:email))
   OR (:role = 'vertical_lead' AND lower(o.vertical_lead_email) = lower(:email))
