-- Each competitor's rate card as of $as_of (NULL = now): for every registry URL, the plans of its
-- latest good, non-empty fetch at or before that instant, with the competitor's segment.
--
-- The latest fetch is chosen on `fetches` (one row per page) first; only that fetch's
-- observations are then read. Where the chosen fetch stored no plan after all (every plan
-- refused by validation, or kept on another URL as a duplicate), that URL falls back to the
-- latest fetch that did store some -- normally an empty set, so this costs nothing.
WITH good_fetches AS (
    SELECT f.run_id, f.competitor_id, f.url, f.fetched_at, f.plans_found
    FROM fetches AS f
    JOIN crawl_runs AS r ON r.run_id = f.run_id
    WHERE f.ok
      AND r.status IN ('ok', 'degraded')
      AND NOT (r.status = 'degraded'
               AND coalesce(list_contains(r.degraded_competitors, f.competitor_id), false))
      AND ($as_of IS NULL OR f.fetched_at <= $as_of)
),
latest_fetches AS (
    SELECT competitor_id, url, arg_max(run_id, fetched_at) AS run_id
    FROM good_fetches
    WHERE plans_found > 0
    GROUP BY competitor_id, url
),
picked AS MATERIALIZED (
    SELECT o.*
    FROM observations AS o
    JOIN latest_fetches AS l
        ON l.run_id = o.run_id AND l.competitor_id = o.competitor_id AND l.url = o.url
),
unmatched AS (
    SELECT l.competitor_id, l.url
    FROM latest_fetches AS l
    ANTI JOIN picked AS p ON p.competitor_id = l.competitor_id AND p.url = l.url
),
fallback AS (
    SELECT o.*
    FROM observations AS o
    JOIN (SELECT g.* FROM good_fetches AS g
          SEMI JOIN unmatched AS u ON u.competitor_id = g.competitor_id AND u.url = g.url) AS g
        ON g.run_id = o.run_id AND g.competitor_id = o.competitor_id AND g.url = o.url
    QUALIFY o.fetched_at = max(o.fetched_at) OVER (PARTITION BY o.competitor_id, o.url)
),
chosen AS (
    SELECT * FROM picked
    UNION ALL
    SELECT * FROM fallback
)
SELECT
    g.run_id,
    g.competitor_id,
    g.url,
    g.final_url,
    g.fetched_at,
    g.content_hash,
    g.plan_name,
    g.price,
    upper(trim(g.currency)) AS currency,
    g.unit,
    g.included_minutes,
    g.included_calls,
    g.overage_per_minute,
    g.overage_per_call,
    g.setup_fee,
    g.billing_increment_seconds,
    g.annual_price_per_month,
    g.evidence,
    c.name AS competitor_name,
    c.country,
    c.delivery,
    c.service_type,
    c.verticals,
    c.billing_increment_seconds AS competitor_increment_seconds
FROM chosen AS g
JOIN competitors AS c ON c.competitor_id = g.competitor_id
