-- Failed sign-ins within the window, for this username and for this client.
SELECT count(*) FILTER (WHERE lower(username) = lower(:username)) AS by_user,
       count(*) FILTER (WHERE client = :client) AS by_client,
       min(failed_at) AS oldest
FROM login_failures
WHERE failed_at > now() - make_interval(secs => :window_seconds)
  AND (lower(username) = lower(:username) OR client = :client)
