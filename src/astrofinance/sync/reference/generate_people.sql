-- Officers (accounts_customuser) and customers (ajo_ajouser).
--
-- Officers: ~85% AGENT (the loan officers), 10% STAFF, 5% SUPERVISOR; a branch weighted by its
-- book size; joined between 2023 (or three years before as_of) and two weeks before as_of, more
-- of them recently (a growing company, so some on or after 2025-10-01: wave 2); 94% active.
-- Emails are unique (the id is part of them) but typed as people type them: some capitalised,
-- some upper case, some with spaces around (the hierarchy load matches case and space blind).
INSERT INTO accounts_customuser (id, username, email, user_phone, user_branch, user_type,
                                 performance_status, date_joined, is_active)
SELECT o.id,
       lower(n.first || '.' || n.last) || o.id,
       CASE WHEN v.style < 0.05 THEN n.first || '.' || n.last || o.id || '@' || v.domain
            WHEN v.style < 0.08 THEN upper(n.first || '.' || n.last || o.id || '@' || v.domain)
            WHEN v.style < 0.12 THEN ' ' || lower(n.first || '.' || n.last) || o.id || '@'
                                     || v.domain || '  '
            ELSE lower(n.first || '.' || n.last) || o.id || '@' || v.domain END,
       _refgen.phone(p.prefixes, _refgen.u(p.seed, o.id, 105),
                     _refgen.u(p.seed, o.id, 106), _refgen.u(p.seed, o.id, 107)),
       _refgen.pick(p.branch_slots, _refgen.u(p.seed, o.id, 108)),
       CASE WHEN o.id = 1 OR v.kind < 0.85 THEN 'AGENT'
            WHEN v.kind < 0.95 THEN 'STAFF' ELSE 'SUPERVISOR' END,
       CASE WHEN v.perf < 0.60 THEN 'PERFORMING' WHEN v.perf < 0.80 THEN 'AVERAGE'
            WHEN v.perf < 0.92 THEN 'UNDERPERFORMING' END,
       _refgen.ts(j.first_day + floor(sqrt(_refgen.u(p.seed, o.id, 111))
                                      * (j.last_day - j.first_day + 1))::integer,
                  28800 + 32400 * _refgen.u(p.seed, o.id, 112)),       -- 08:00-17:00
       _refgen.u(p.seed, o.id, 113) < 0.94
FROM _refgen.params p
CROSS JOIN LATERAL generate_series(1, p.n_officers) AS o(id)
CROSS JOIN LATERAL (
    SELECT least(DATE '2023-01-01', p.as_of - 1095) AS first_day, p.as_of - 14 AS last_day) AS j
CROSS JOIN LATERAL (
    SELECT _refgen.pick(p.female_names || p.male_names, _refgen.u(p.seed, o.id, 101))
               AS first,
           _refgen.pick(p.last_names, _refgen.u(p.seed, o.id, 102)) AS last) AS n
CROSS JOIN LATERAL (
    SELECT CASE WHEN _refgen.u(p.seed, o.id, 103) < 0.85 THEN p.staff_domain
                ELSE _refgen.pick(p.mail_domains, _refgen.u(p.seed, o.id, 104)) END
               AS domain,
           _refgen.u(p.seed, o.id, 109) AS style,
           _refgen.u(p.seed, o.id, 110) AS kind,
           _refgen.u(p.seed, o.id, 114) AS perf) AS v;

-- The agents, numbered 1..n_agents, so that a draw picks one by number with an equality join.
CREATE UNLOGGED TABLE _refgen.agents AS
SELECT row_number() OVER (ORDER BY id)::integer AS n, id AS officer_id, user_branch AS branch,
       (date_joined AT TIME ZONE 'Africa/Lagos')::date AS joined
FROM accounts_customuser WHERE user_type = 'AGENT';
ALTER TABLE _refgen.agents ADD PRIMARY KEY (n);
UPDATE _refgen.params SET n_agents = (SELECT count(*) FROM _refgen.agents);

-- Each customer's own agent (by agent number); most of a customer's loans are with that agent.
CREATE UNLOGGED TABLE _refgen.customers AS
SELECT c.id, 1 + floor(_refgen.u(p.seed, c.id, 120) * p.n_agents)::integer AS agent_n
FROM _refgen.params p CROSS JOIN LATERAL generate_series(1, p.n_customers) AS c(id);
ALTER TABLE _refgen.customers ADD PRIMARY KEY (id);
ANALYZE _refgen.agents, _refgen.customers;

-- Customers: 58% women (Ajo borrowers are mostly market women), aged 21-65, living in an LGA of
-- their agent's branch state.
INSERT INTO ajo_ajouser (id, first_name, last_name, phone, dob, gender, state, lga, address)
SELECT c.id,
       CASE WHEN g.female THEN _refgen.pick(p.female_names, _refgen.u(p.seed, c.id, 122))
            ELSE _refgen.pick(p.male_names, _refgen.u(p.seed, c.id, 122)) END,
       _refgen.pick(p.last_names, _refgen.u(p.seed, c.id, 123)),
       _refgen.phone(p.prefixes, _refgen.u(p.seed, c.id, 124),
                     _refgen.u(p.seed, c.id, 125), _refgen.u(p.seed, c.id, 126)),
       p.as_of - (7670 + floor(_refgen.u(p.seed, c.id, 127) * 16070))::integer,
       CASE WHEN g.female THEN 'FEMALE' ELSE 'MALE' END,
       b.state,
       l.lga,
       (1 + floor(_refgen.u(p.seed, c.id, 128) * 120))::integer || ' '
           || _refgen.pick(p.streets, _refgen.u(p.seed, c.id, 129)) || ', ' || l.lga
FROM _refgen.params p
CROSS JOIN _refgen.customers c
JOIN _refgen.agents a ON a.n = c.agent_n
JOIN _refgen.branches b ON b.name = a.branch
JOIN _refgen.lgas lg ON lg.state = b.state
CROSS JOIN LATERAL (SELECT _refgen.u(p.seed, c.id, 121) < 0.58 AS female) AS g
CROSS JOIN LATERAL (
    SELECT _refgen.pick(lg.lgas, _refgen.u(p.seed, c.id, 130)) AS lga) AS l;
