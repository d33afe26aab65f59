-- The run's parameters and word lists (bound values from reference/__init__.py).
WITH params AS (
    INSERT INTO _refgen.params (seed, as_of, n_loans, n_officers, n_customers, female_names,
                                male_names, last_names, branch_slots, prefixes, staff_domain,
                                mail_domains, streets, cal_start, cal_end, as_of_end)
    VALUES (%(seed)s, %(as_of)s, %(loans)s, %(officers)s, %(customers)s, %(female_names)s,
            %(male_names)s, %(last_names)s, %(branch_slots)s, %(prefixes)s, %(staff_domain)s,
            %(mail_domains)s, %(streets)s, %(cal_start)s, %(cal_end)s,
            _refgen.ts(%(as_of)s::date, 86399))
), branches AS (
    INSERT INTO _refgen.branches (name, state)
    SELECT * FROM unnest(%(branch_names)s::text[], %(branch_states)s::text[])
)
INSERT INTO _refgen.lgas (state, lgas)
SELECT state, array_agg(lga ORDER BY i)
FROM unnest(%(lga_states)s::text[], %(lga_names)s::text[]) WITH ORDINALITY AS l(state, lga, i)
GROUP BY state
