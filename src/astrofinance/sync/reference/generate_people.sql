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
       pg_temp.ref_phone(p.prefixes, pg_temp.ref_u(p.seed, o.id, 105),
                         pg_temp.ref_u(p.seed, o.id, 106), pg_temp.ref_u(p.seed, o.id, 107)),
       pg_temp.ref_pick(p.branch_slots, pg_temp.ref_u(p.seed, o.id, 108)),
       CASE WHEN o.id = 1 OR v.kind < 0.85 THEN 'AGENT'
            WHEN v.kind < 0.95 THEN 'STAFF' ELSE 'SUPERVISOR' END,
       CASE WHEN v.perf < 0.60 THEN 'PERFORMING' WHEN v.perf < 0.80 THEN 'AVERAGE'
            WHEN v.perf < 0.92 THEN 'UNDERPERFORMING' END,
       pg_temp.ref_ts(j.first_day + floor(sqrt(pg_temp.ref_u(p.seed, o.id, 111))
                                          * (j.last_day - j.first_day + 1))::integer,
                      28800 + 32400 * pg_temp.ref_u(p.seed, o.id, 112)),   -- 08:00-17:00
       pg_temp.ref_u(p.seed, o.id, 113) < 0.94
FROM _ref_params p
CROSS JOIN LATERAL generate_series(1, p.n_officers) AS o(id)
CROSS JOIN LATERAL (
    SELECT least(DATE '2023-01-01', p.as_of - 1095) AS first_day, p.as_of - 14 AS last_day) AS j
CROSS JOIN LATERAL (
    SELECT pg_temp.ref_pick(p.female_names || p.male_names, pg_temp.ref_u(p.seed, o.id, 101))
               AS first,
           pg_temp.ref_pick(p.last_names, pg_temp.ref_u(p.seed, o.id, 102)) AS last) AS n
CROSS JOIN LATERAL (
    SELECT CASE WHEN pg_temp.ref_u(p.seed, o.id, 103) < 0.85 THEN p.staff_domain
                ELSE pg_temp.ref_pick(p.mail_domains, pg_temp.ref_u(p.seed, o.id, 104)) END
               AS domain,
           pg_temp.ref_u(p.seed, o.id, 109) AS style,
           pg_temp.ref_u(p.seed, o.id, 110) AS kind,
           pg_temp.ref_u(p.seed, o.id, 114) AS perf) AS v;

-- The agents, numbered 1..n_agents, so that a draw picks one by number with an equality join.
CREATE TEMP TABLE _ref_agents ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY id)::integer AS n, id AS officer_id, user_branch AS branch,
       (date_joined AT TIME ZONE 'Africa/Lagos')::date AS joined
FROM accounts_customuser WHERE user_type = 'AGENT';
ALTER TABLE _ref_agents ADD PRIMARY KEY (n);
UPDATE _ref_params SET n_agents = (SELECT count(*) FROM _ref_agents);

-- Each customer's own agent (by agent number); most of a customer's loans are with that agent.
CREATE TEMP TABLE _ref_customers ON COMMIT DROP AS
SELECT c.id, 1 + floor(pg_temp.ref_u(p.seed, c.id, 120) * p.n_agents)::integer AS agent_n
FROM _ref_params p CROSS JOIN LATERAL generate_series(1, p.n_customers) AS c(id);
ALTER TABLE _ref_customers ADD PRIMARY KEY (id);
ANALYZE _ref_agents, _ref_customers;

-- Customers: 58% women (Ajo borrowers are mostly market women), aged 21-65, living in an LGA of
-- their agent's branch state.
INSERT INTO ajo_ajouser (id, first_name, last_name, phone, dob, gender, state, lga, address)
SELECT c.id,
       CASE WHEN g.female THEN pg_temp.ref_pick(p.female_names, pg_temp.ref_u(p.seed, c.id, 122))
            ELSE pg_temp.ref_pick(p.male_names, pg_temp.ref_u(p.seed, c.id, 122)) END,
       pg_temp.ref_pick(p.last_names, pg_temp.ref_u(p.seed, c.id, 123)),
       pg_temp.ref_phone(p.prefixes, pg_temp.ref_u(p.seed, c.id, 124),
                         pg_temp.ref_u(p.seed, c.id, 125), pg_temp.ref_u(p.seed, c.id, 126)),
       p.as_of - (7670 + floor(pg_temp.ref_u(p.seed, c.id, 127) * 16070))::integer,
       CASE WHEN g.female THEN 'FEMALE' ELSE 'MALE' END,
       b.state,
       l.lga,
       (1 + floor(pg_temp.ref_u(p.seed, c.id, 128) * 120))::integer || ' '
           || pg_temp.ref_pick(p.streets, pg_temp.ref_u(p.seed, c.id, 129)) || ', ' || l.lga
FROM _ref_params p
CROSS JOIN _ref_customers c
JOIN _ref_agents a ON a.n = c.agent_n
JOIN _ref_branches b ON b.name = a.branch
JOIN _ref_lgas lg ON lg.state = b.state
CROSS JOIN LATERAL (SELECT pg_temp.ref_u(p.seed, c.id, 121) < 0.58 AS female) AS g
CROSS JOIN LATERAL (
    SELECT pg_temp.ref_pick(lg.lgas, pg_temp.ref_u(p.seed, c.id, 130)) AS lga) AS l;
