-- Offending rows: observations whose evidence page body is not stored.
SELECT o.run_id, o.competitor_id, o.url, o.content_hash
FROM observations AS o
LEFT JOIN pages AS p USING (content_hash)
WHERE p.content_hash IS NULL;
