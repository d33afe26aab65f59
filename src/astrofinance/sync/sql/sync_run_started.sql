-- The run this process recorded after run :after (the one a background start waits for).
SELECT min(id) FROM sync_runs WHERE id > :after AND pid = :pid
