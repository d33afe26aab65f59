-- Session settings of the generator's connections (its own, closed when it is done).
SET jit = off;                          -- one-off large statements: compiling costs more
SET work_mem = '256MB';
SET maintenance_work_mem = '512MB';     -- the index builds of the post-data part
SET synchronize_seqscans = off;         -- scans start at the table's first row
