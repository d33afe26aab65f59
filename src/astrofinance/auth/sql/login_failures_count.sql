-- When the sign-in limits lift: the per_user-th most recent failure within the window for this
-- username, and the per_client-th for this client (NULL where fewer failed). While such a
-- failure is within the window the limit holds; once it leaves it, fewer than the limit remain.
WITH f AS (
    SELECT failed_at, lower(username) = lower(:username) AS by_user, client = :client AS by_client
    FROM login_failures
    WHERE failed_at > now() - make_interval(secs => :window_seconds)
      AND (lower(username) = lower(:username) OR client = :client)
)
SELECT (SELECT failed_at FROM f WHERE by_user ORDER BY failed_at DESC
        OFFSET :per_user - 1 LIMIT 1) AS user_limit_from,
       (SELECT failed_at FROM f WHERE by_client ORDER BY failed_at DESC
        OFFSET :per_client - 1 LIMIT 1) AS client_limit_from
