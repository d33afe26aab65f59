-- Copy the hierarchy from officers onto their loans (the seed guide's UPDATE, with every column
-- trg_officers_wave_hierarchy keeps in step): the same function the trigger calls.
SELECT apply_officer_hierarchy(NULL)
