-- Page bodies are stored once per content hash, whatever run or URL brought them.
INSERT INTO pages (content_hash, body_gzip, size_bytes, first_seen_at)
SELECT s.content_hash, s.body_gzip, s.size_bytes, s.first_seen_at
FROM staged_pages AS s
WHERE NOT EXISTS (SELECT 1 FROM pages AS p WHERE p.content_hash = s.content_hash);
