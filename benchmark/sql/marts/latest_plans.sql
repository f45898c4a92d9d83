-- Each competitor's rate card as of $as_of (NULL = now): for every registry URL, the plans of its
-- latest good, non-empty fetch at or before that instant, with the competitor's segment.
SELECT
    g.*,
    c.name AS competitor_name,
    c.country,
    c.delivery,
    c.service_type,
    c.verticals,
    c.billing_increment_seconds AS competitor_increment_seconds
FROM good_observations AS g
JOIN competitors AS c ON c.competitor_id = g.competitor_id
WHERE $as_of IS NULL OR g.fetched_at <= $as_of
QUALIFY g.fetched_at = max(g.fetched_at) OVER (PARTITION BY g.competitor_id, g.url)
