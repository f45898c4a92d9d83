-- Whether mart_latest_plans (filled by `ratebench rebuild`) still stands for the store: it was
-- built from the latest good crawl run. One row: source_run_id, latest_good_run_id, fresh.
SELECT
    m.source_run_id,
    l.run_id AS latest_good_run_id,
    m.source_run_id IS NOT DISTINCT FROM l.run_id AS fresh
FROM mart_latest_plans_source AS m
LEFT JOIN (
    SELECT run_id FROM crawl_runs
    WHERE status IN ('ok', 'degraded')
    ORDER BY started_at DESC, run_id DESC
    LIMIT 1
) AS l ON true
