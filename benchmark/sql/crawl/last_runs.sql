-- The most recent crawl runs, newest first, with their counts and monitor results.
SELECT
    run_id, started_at, finished_at, status, finish_reason, pages_ok, pages_failed, plans,
    rejects, monitors, degraded_competitors
FROM crawl_runs
ORDER BY started_at DESC
LIMIT $limit;
