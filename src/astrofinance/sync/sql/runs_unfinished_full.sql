-- The latest full run from this source and mapping that did not finish, unless a later full
-- run did: a new `sync full` resumes from its cursors.
SELECT r.id, r.cursors
FROM sync_runs r
WHERE r.command = 'full' AND r.source = %(source)s AND r.mapping = %(mapping)s
  AND r.status IN ('interrupted', 'failed')
  AND NOT EXISTS (SELECT 1 FROM sync_runs s
                  WHERE s.command = 'full' AND s.source = r.source AND s.mapping = r.mapping
                    AND s.id > r.id AND s.status IN ('succeeded', 'partial'))
ORDER BY r.id DESC
LIMIT 1
