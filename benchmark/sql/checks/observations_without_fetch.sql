-- Offending rows: observations with no fetch row of their run, competitor and URL (the writer
-- stores both together, so these would come from a hand edit or a broken import).
SELECT o.run_id, o.competitor_id, o.url, o.plan_name, o.fetched_at
FROM observations AS o
ANTI JOIN fetches AS f
    ON f.run_id = o.run_id AND f.competitor_id = o.competitor_id AND f.url = o.url
