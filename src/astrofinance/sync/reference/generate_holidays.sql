-- Company-wide public holidays (the `holidays` package's list for Nigeria), ids in date order.
INSERT INTO loans_holiday (id, date, name, type, agent_id)
SELECT i, day, name, 'PUBLIC', NULL
FROM unnest(%(dates)s::date[], %(names)s::text[]) WITH ORDINALITY AS h(day, name, i)
