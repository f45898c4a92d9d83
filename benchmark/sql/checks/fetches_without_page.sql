-- Offending rows: fetches that name a content hash whose body is not stored.
SELECT f.run_id, f.competitor_id, f.url, f.content_hash
FROM fetches AS f
LEFT JOIN pages AS p USING (content_hash)
WHERE f.content_hash IS NOT NULL AND p.content_hash IS NULL;
