-- Temporary objects of one generator run: its parameters, the branch and LGA lists, and the
-- pure functions the other generate_*.sql files use. Everything is dropped at commit.
--
-- Randomness: ref_u(seed, key, salt) is a uniform draw in [0, 1) made by hashing the row's key
-- with the seed and a per-attribute salt. A row's values depend only on (seed, key), never on
-- the order in which PostgreSQL happens to produce rows, so the same seed always gives the same
-- book whatever the plan (random() after setseed() would depend on row order).

SET LOCAL jit = off;                        -- one-off large statements: compiling costs more
SET LOCAL work_mem = '256MB';
SET LOCAL maintenance_work_mem = '512MB';   -- the index builds of the post-data part
SET LOCAL synchronize_seqscans = off;       -- scans start at the table's first row

CREATE TEMP TABLE _ref_params (
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
    as_of_end    timestamptz                -- the last second of as_of in Lagos
) ON COMMIT DROP;

CREATE TEMP TABLE _ref_branches (name text PRIMARY KEY, state text NOT NULL) ON COMMIT DROP;
CREATE TEMP TABLE _ref_lgas (state text PRIMARY KEY, lgas text[] NOT NULL) ON COMMIT DROP;

CREATE FUNCTION pg_temp.ref_u(seed integer, k bigint, salt integer)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (hashint8extended(k, seed::bigint * 65536 + salt) & 4503599627370495)::double precision
           / 4503599627370496
$$;

-- One element of an array, chosen by a draw u in [0, 1).
CREATE FUNCTION pg_temp.ref_pick(items text[], u double precision)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT items[1 + floor(u * cardinality(items))::integer]
$$;

-- The instant `secs` seconds after midnight of `day` in Lagos (UTC+1 all year, no DST).
CREATE FUNCTION pg_temp.ref_ts(day date, secs double precision)
RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT to_timestamp(((day - DATE '1970-01-01') * 86400 - 3600)::double precision + floor(secs))
$$;

-- A Nigerian mobile number, in local (080...) or international (+234 80...) form.
CREATE FUNCTION pg_temp.ref_phone(prefixes text[], u1 double precision, u2 double precision,
                                  u3 double precision)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN u1 < 0.8 THEN '0' ELSE '+234' END || pg_temp.ref_pick(prefixes, u2)
           || lpad(floor(u3 * 10000000)::bigint::text, 7, '0')
$$;

-- What a loan's customer owes after x of its installments: per_inst each, the last one
-- taking the rounding remainder so that all of them make the total repayable.
CREATE FUNCTION pg_temp.ref_cum(x integer, inst integer, total numeric, per_inst numeric)
RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN x >= inst THEN total ELSE per_inst * x END
$$;
