-- A failed sign-in; rows older than a day are cleared on the way.
WITH purge AS (DELETE FROM login_failures WHERE failed_at < now() - interval '1 day')
INSERT INTO login_failures (username, client) VALUES (left(:username, 128), :client)
