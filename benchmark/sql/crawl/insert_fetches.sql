INSERT INTO fetches (
    run_id, competitor_id, url, final_url, status, fetched_at, content_hash, ok, error,
    plans_found, warnings, skipped
)
SELECT
    run_id, competitor_id, url, final_url, status, fetched_at, content_hash, ok, error,
    plans_found, warnings, coalesce(skipped, false)
FROM staged_fetches;
