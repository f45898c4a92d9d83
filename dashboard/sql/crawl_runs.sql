-- Crawl runs, newest first, with their counts and how long they took.
SELECT
    run_id,
    status,
    started_at,
    finished_at,
    date_diff('second', started_at, finished_at) AS duration_s,
    pages_ok,
    pages_failed,
    coalesce(pages_skipped, 0) AS pages_skipped,
    plans,
    coalesce(array_to_string(degraded_competitors, ', '), '') AS degraded_competitors,
    finish_reason
FROM crawl_runs
ORDER BY started_at DESC
LIMIT $limit
