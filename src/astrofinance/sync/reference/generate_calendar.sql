-- The business-day calendar of the run: Monday to Friday less the company-wide holidays
-- (loans_holiday rows with agent_id NULL). Business days are numbered 1, 2, ... from cal_start,
-- so "k business days after" is arithmetic on the numbers.
--   _refgen.days: every calendar day, with n_le: the number of the last business day on or
--                 before it
--   _refgen.bd:   the business days by number
CREATE UNLOGGED TABLE _refgen.days AS
SELECT day, bd, (count(*) FILTER (WHERE bd) OVER (ORDER BY day))::integer AS n_le
FROM (
    SELECT d::date AS day,
           extract(isodow FROM d) < 6 AND NOT EXISTS (
               SELECT 1 FROM loans_holiday h WHERE h.agent_id IS NULL AND h.date = d::date) AS bd
    FROM _refgen.params p, generate_series(p.cal_start, p.cal_end, interval '1 day') AS d
) AS days;
ALTER TABLE _refgen.days ADD PRIMARY KEY (day);

CREATE UNLOGGED TABLE _refgen.bd AS SELECT n_le AS n, day FROM _refgen.days WHERE bd;
ALTER TABLE _refgen.bd ADD PRIMARY KEY (n);

-- The book's window: loans are disbursed on the business days of the ~18 months before as_of.
UPDATE _refgen.params p
SET win_lo = (SELECT n_le + 1 FROM _refgen.days WHERE day = p.as_of - 548),
    na = (SELECT n_le FROM _refgen.days WHERE day = p.as_of);
ANALYZE _refgen.days, _refgen.bd;
