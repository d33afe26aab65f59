-- The repayments' primary key, dropped for the load (generate_setup.sql), as schema.sql has it.
ALTER TABLE loans_ajoloanrepayment ADD CONSTRAINT loans_ajoloanrepayment_pkey PRIMARY KEY (id);

-- An officer's own days off: a handful of agent-specific holidays (one per 50 officers, at
-- least 3) on business days of the book's window after the agent joined. The generated
-- schedules ignore them (only company-wide rows move due dates).
INSERT INTO loans_holiday (id, date, name, type, agent_id)
SELECT h.max_id + i.n, bd.day,
       _refgen.pick(ARRAY['Annual leave', 'Sick leave', 'Training'],
                    _refgen.u(p.seed, i.n, 403)),
       'AGENT_LEAVE', a.officer_id
FROM _refgen.params p
CROSS JOIN (SELECT coalesce(max(id), 0) AS max_id FROM loans_holiday) AS h
CROSS JOIN LATERAL generate_series(1, greatest(3, p.n_officers / 50)) AS i(n)
JOIN _refgen.agents a ON a.n = 1 + floor(p.n_agents * _refgen.u(p.seed, i.n, 401))::integer
LEFT JOIN _refgen.days jd ON jd.day = a.joined
CROSS JOIN LATERAL (SELECT greatest(p.win_lo, coalesce(jd.n_le, 0) + 1) AS lo) AS w
JOIN _refgen.bd bd ON bd.n = least(p.na, w.lo + floor((p.na - w.lo + 1)
                                                    * _refgen.u(p.seed, i.n, 402))::integer);

-- Ids were given explicitly: the identity sequences continue after them, so rows the tests or
-- the demo insert later get the next ids, as in the application.
SELECT setval(pg_get_serial_sequence('accounts_customuser', 'id'),
              (SELECT coalesce(max(id), 0) + 1 FROM accounts_customuser), false);
SELECT setval(pg_get_serial_sequence('ajo_ajouser', 'id'),
              (SELECT coalesce(max(id), 0) + 1 FROM ajo_ajouser), false);
SELECT setval(pg_get_serial_sequence('loans_ajoloan', 'id'),
              (SELECT coalesce(max(id), 0) + 1 FROM loans_ajoloan), false);
SELECT setval(pg_get_serial_sequence('loans_ajoloanrepayment', 'id'),
              (SELECT coalesce(max(id), 0) + 1 FROM loans_ajoloanrepayment), false);
SELECT setval(pg_get_serial_sequence('loans_holiday', 'id'),
              (SELECT coalesce(max(id), 0) + 1 FROM loans_holiday), false);
