-- What the database holds, to tell an empty one from a filled one.
SELECT
    (SELECT count(*) FROM competitors) AS competitors,
    (SELECT count(*) FROM crawl_runs) AS runs,
    (SELECT count(*) FROM observations) AS observations,
    (SELECT min(fetched_at) FROM observations) AS first_observation_at,
    (SELECT max(fetched_at) FROM observations) AS last_observation_at
