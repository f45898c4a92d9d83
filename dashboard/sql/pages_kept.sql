-- Page bodies kept as evidence, per competitor: distinct versions and their stored size.
WITH kept AS (
    SELECT DISTINCT f.competitor_id, p.content_hash, p.size_bytes, octet_length(p.body_gzip) AS gz_bytes,
           p.first_seen_at
    FROM fetches AS f
    JOIN pages AS p USING (content_hash)
)
SELECT
    k.competitor_id,
    c.name,
    count(*) AS page_versions,
    sum(k.size_bytes) AS raw_bytes,
    sum(k.gz_bytes) AS stored_bytes,
    max(k.first_seen_at) AS newest_page_at
FROM kept AS k
LEFT JOIN competitors AS c USING (competitor_id)
GROUP BY k.competitor_id, c.name
ORDER BY c.name
