-- The end of each day on which a crawl delivered data, newest `limit` days: the band's history
-- is drawn as it stood at each of these instants.
SELECT as_of
FROM (
    SELECT DISTINCT date_trunc('day', fetched_at) + INTERVAL 1 DAY - INTERVAL 1 MICROSECOND AS as_of
    FROM observations
)
ORDER BY as_of DESC
LIMIT $limit
