-- Per competitor: its last fetch attempt and its last successful one.
SELECT
    c.competitor_id,
    c.name,
    c.website,
    c.country,
    c.delivery,
    c.service_type,
    max(f.fetched_at) AS last_attempt_at,
    max(f.fetched_at) FILTER (WHERE f.ok) AS last_ok_at,
    arg_max(f.ok, f.fetched_at) AS last_attempt_ok
FROM competitors AS c
LEFT JOIN fetches AS f USING (competitor_id)
GROUP BY ALL
ORDER BY c.name
