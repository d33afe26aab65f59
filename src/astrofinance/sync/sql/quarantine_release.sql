-- Rows taken by this batch leave the quarantine (a fixed source row is no longer reported).
DELETE FROM sync_quarantine q
USING {staging} s
WHERE q.entity = %(entity)s
  AND q.source_key = s._src_key
  AND EXISTS (SELECT 1 FROM sync_quarantine x WHERE x.entity = %(entity)s)
