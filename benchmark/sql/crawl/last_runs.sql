-- The most recent crawl runs, newest first, with their counts and monitor results.
-- COLUMNS picks the columns by name and leaves out any an older database lacks
-- (pages_skipped came later): `db info` reads the store read-only and cannot add it.
-- The caller reads the result by column name.
SELECT
    COLUMNS(lambda c: c IN (
        'run_id', 'started_at', 'finished_at', 'status', 'finish_reason', 'pages_ok',
        'pages_failed', 'pages_skipped', 'plans', 'rejects', 'monitors', 'degraded_competitors'
    ))
FROM crawl_runs
ORDER BY started_at DESC
LIMIT $limit;
