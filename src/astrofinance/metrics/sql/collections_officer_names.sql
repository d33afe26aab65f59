-- The names of the officers of a collections report grouped by officer.
SELECT o.officer_id, o.name FROM officers o WHERE o.officer_id = ANY(:ids)
