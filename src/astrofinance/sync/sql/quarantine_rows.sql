-- The batch's rejected rows into the quarantine, one row per source key with every reason;
-- a row seen again keeps its first sighting and gets the new reasons and data.
INSERT INTO sync_quarantine AS q (entity, source_key, reason, row_data, first_run_id,
                                  last_run_id)
SELECT %(entity)s, p.source_key,
       string_agg(DISTINCT p.what, '; '), (array_agg(p.row_data))[1], %(run_id)s, %(run_id)s
FROM (SELECT coalesce(row_data ->> '_src_key', key, 'batch line ' || line) AS source_key,
             CASE WHEN column_name IS NULL THEN reason
                  ELSE column_name || ' ' || coalesce(quote_literal(value), 'empty') || ': '
                       || replace(reason, '.csv', '') END AS what,
             row_data - '_src_changed' AS row_data
      FROM _imp_problems
      WHERE line > 1) p
GROUP BY p.source_key
ON CONFLICT (entity, source_key) DO UPDATE
SET reason = EXCLUDED.reason, row_data = EXCLUDED.row_data, last_run_id = EXCLUDED.last_run_id,
    last_seen_at = now()
