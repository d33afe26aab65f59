-- The generator's work schema: its parameters, lists, calendar and plan (UNLOGGED tables), and
-- the pure functions the other generate_*.sql files use. Dropped when the source is made.
-- (A schema rather than temporary tables: the repayments are written by two connections.)
--
-- Randomness: _refgen.u(seed, key, salt) is a uniform draw in [0, 1) made by hashing the row's
-- key with the seed and a per-attribute salt. A row's values depend only on (seed, key), never
-- on the order in which PostgreSQL happens to produce rows, so the same seed always gives the
-- same book whatever the plan (random() after setseed() would depend on row order).

CREATE SCHEMA _refgen;

CREATE UNLOGGED TABLE _refgen.params (
    seed         integer NOT NULL,
    as_of        date    NOT NULL,
    n_loans      integer NOT NULL,
    n_officers   integer NOT NULL,
    n_customers  integer NOT NULL,
    female_names text[]  NOT NULL,
    male_names   text[]  NOT NULL,
    last_names   text[]  NOT NULL,
    branch_slots text[]  NOT NULL,          -- each branch repeated by its weight
    prefixes     text[]  NOT NULL,          -- mobile prefixes without the leading 0
    staff_domain text    NOT NULL,
    mail_domains text[]  NOT NULL,
    streets      text[]  NOT NULL,
    cal_start    date    NOT NULL,          -- the business calendar's span
    cal_end      date    NOT NULL,
    win_lo       integer,                   -- business-day number of the book's first day
    na           integer,                   -- business-day number of as_of (or the day before)
    n_agents     integer,
    n_payments   bigint,                    -- repayment rows other than the extra ones
    as_of_end    timestamptz                -- the last second of as_of in Lagos
);

-- Kept in the row as they are (no TOAST compression): each is read for every generated row.
ALTER TABLE _refgen.params
    ALTER female_names SET STORAGE PLAIN, ALTER male_names SET STORAGE PLAIN,
    ALTER last_names SET STORAGE PLAIN, ALTER branch_slots SET STORAGE PLAIN,
    ALTER prefixes SET STORAGE PLAIN, ALTER mail_domains SET STORAGE PLAIN,
    ALTER streets SET STORAGE PLAIN;

CREATE UNLOGGED TABLE _refgen.branches (name text PRIMARY KEY, state text NOT NULL);
CREATE UNLOGGED TABLE _refgen.lgas (state text PRIMARY KEY, lgas text[] NOT NULL);

CREATE FUNCTION _refgen.u(seed integer, k bigint, salt integer)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (hashint8extended(k, seed::bigint * 65536 + salt) & 4503599627370495)::double precision
           / 4503599627370496
$$;

-- One element of an array, chosen by a draw u in [0, 1).
CREATE FUNCTION _refgen.pick(items text[], u double precision)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT items[1 + floor(u * cardinality(items))::integer]
$$;

-- The instant `secs` seconds after midnight of `day` in Lagos (UTC+1 all year, no DST).
CREATE FUNCTION _refgen.ts(day date, secs double precision)
RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT to_timestamp(((day - DATE '1970-01-01') * 86400 - 3600)::double precision + floor(secs))
$$;

-- A Nigerian mobile number, in local (080...) or international (+234 80...) form.
CREATE FUNCTION _refgen.phone(prefixes text[], u1 double precision, u2 double precision,
                              u3 double precision)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN u1 < 0.8 THEN '0' ELSE '+234' END || _refgen.pick(prefixes, u2)
           || lpad(floor(u3 * 10000000)::bigint::text, 7, '0')
$$;

-- The repayments' primary key is built once they are loaded (generate_finish.sql): a sorted
-- build is faster than 30M insertions, and the two writers would contend for its last page.
ALTER TABLE loans_ajoloanrepayment DROP CONSTRAINT loans_ajoloanrepayment_pkey;
