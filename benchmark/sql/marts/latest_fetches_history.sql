-- For every instant in `band_dates` (as_of_key, with its FX day fx_day) and every registry URL
-- of a competitor in `segment_competitors` (marts/segment_competitors: only they can be in the
-- band): its latest good, non-empty fetch at or before that instant (one ASOF join).
-- marts/latest_plans_history reads the plans of these fetches.
WITH good_fetches AS (
    SELECT f.run_id, f.competitor_id, f.url, f.fetched_at, f.plans_found
    FROM fetches AS f
    JOIN crawl_runs AS r ON r.run_id = f.run_id
    SEMI JOIN segment_competitors AS s ON s.competitor_id = f.competitor_id
    WHERE f.ok
      AND r.status IN ('ok', 'degraded')
      AND NOT (r.status = 'degraded'
               AND coalesce(list_contains(r.degraded_competitors, f.competitor_id), false))
),
all_nonempty AS (
    SELECT * FROM good_fetches WHERE plans_found > 0
),
-- Only fetches from the oldest of the URLs' latest fetches at the earliest instant onwards can
-- be chosen: the ASOF join then sorts the recent fetches, not the whole history.
lower_bound AS (
    SELECT min(last_at) AS since
    FROM (
        SELECT max(fetched_at) AS last_at
        FROM all_nonempty
        WHERE fetched_at <= (SELECT min(as_of_key) FROM band_dates)
        GROUP BY competitor_id, url
    )
),
nonempty AS (
    SELECT n.*
    FROM all_nonempty AS n, lower_bound AS b
    WHERE b.since IS NULL OR n.fetched_at >= b.since
),
wanted AS (
    SELECT d.as_of_key, d.fx_day, k.competitor_id, k.url
    FROM (SELECT DISTINCT competitor_id, url FROM all_nonempty) AS k
    CROSS JOIN band_dates AS d
)
SELECT w.as_of_key, w.fx_day, n.competitor_id, n.url, n.run_id, n.fetched_at
    FROM wanted AS w
    ASOF JOIN nonempty AS n
        ON n.competitor_id = w.competitor_id AND n.url = w.url AND n.fetched_at <= w.as_of_key
