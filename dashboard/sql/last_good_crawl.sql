-- The newest crawl that delivered data (ok, or degraded: some competitors failed), and the
-- newest run of any status.
SELECT
    max(coalesce(finished_at, started_at)) FILTER (WHERE status IN ('ok', 'degraded'))
        AS last_good_at,
    arg_max(status, started_at) AS last_status,
    max(started_at) AS last_started_at,
    count(*) AS runs
FROM crawl_runs
