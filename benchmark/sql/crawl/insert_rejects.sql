INSERT INTO rejects (run_id, competitor_id, url, fetched_at, content_hash, plan_name, reason, plan)
SELECT run_id, competitor_id, url, fetched_at, content_hash, plan_name, reason, plan::JSON
FROM staged_rejects;
