-- `astrofinance audit log`: the newest rows first; each filter is optional (NULL: any).
SELECT id, table_name, record_id, action, old_values, new_values, changed_by, changed_at, txid
FROM audit_logs
WHERE (CAST(:table_name AS text) IS NULL OR table_name = :table_name)
  AND (CAST(:record_id AS text) IS NULL OR record_id = :record_id)
  AND (CAST(:since AS timestamptz) IS NULL OR changed_at >= :since)
  AND (CAST(:changed_by AS text) IS NULL OR changed_by = :changed_by)
  AND (CAST(:action AS text) IS NULL OR action = :action)
ORDER BY changed_at DESC, id DESC
LIMIT :limit
