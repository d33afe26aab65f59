-- The latest recalculations of the loans' computed fields (the Operations page).
SELECT id, as_of, started_at, total_loans_processed, loans_updated, execution_time_ms
FROM recalculation_runs
ORDER BY started_at DESC, id DESC
LIMIT :limit
