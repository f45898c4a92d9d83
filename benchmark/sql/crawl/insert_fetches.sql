INSERT INTO fetches (
    run_id, competitor_id, url, final_url, status, fetched_at, content_hash, ok, error,
    plans_found, warnings
)
SELECT
    run_id, competitor_id, url, final_url, status, fetched_at, content_hash, ok, error,
    plans_found, warnings
FROM staged_fetches;
