-- The end of each day on which a crawl delivered data (a fetch that found plans), newest
-- $limit days: the band's history is drawn as it stood at each of these instants. Read from
-- `fetches` (one row per page) rather than every observation.
SELECT as_of
FROM (
    SELECT DISTINCT date_trunc('day', fetched_at) + INTERVAL 1 DAY - INTERVAL 1 MICROSECOND AS as_of
    FROM fetches
    WHERE plans_found > 0
)
ORDER BY as_of DESC
LIMIT $limit
