INSERT OR REPLACE INTO crawl_runs (run_id, started_at, status, mirror, competitors, as_of)
VALUES ($run_id, $started_at, 'running', $mirror, $competitors, $as_of);
