-- marts/latest_plans for many instants at once (band history). `latest_fetches` holds, per
-- instant (as_of_key) and registry URL, the chosen fetch (marts/latest_fetches_history);
-- $since is the earliest of their fetched_at, so the observation scan skips older row groups.
-- Where a chosen fetch stored no plan, the same fallback as marts/latest_plans applies.
WITH good_fetches AS (
    SELECT f.run_id, f.competitor_id, f.url, f.fetched_at, f.plans_found
    FROM fetches AS f
    JOIN crawl_runs AS r ON r.run_id = f.run_id
    WHERE f.ok
      AND r.status IN ('ok', 'degraded')
      AND NOT (r.status = 'degraded'
               AND coalesce(list_contains(r.degraded_competitors, f.competitor_id), false))
),
-- Instants mostly share fetches: read each chosen fetch's observations once, then fan out.
chosen_fetches AS (
    SELECT DISTINCT run_id, competitor_id, url FROM latest_fetches
),
picked_once AS MATERIALIZED (
    SELECT o.*
    FROM observations AS o
    JOIN chosen_fetches AS l
        ON l.run_id = o.run_id AND l.competitor_id = o.competitor_id AND l.url = o.url
    WHERE o.fetched_at >= $since
),
picked AS MATERIALIZED (
    SELECT l.as_of_key, l.fx_day, o.*
    FROM picked_once AS o
    JOIN latest_fetches AS l
        ON l.run_id = o.run_id AND l.competitor_id = o.competitor_id AND l.url = o.url
),
unmatched AS (
    SELECT l.as_of_key, l.fx_day, l.competitor_id, l.url
    FROM latest_fetches AS l
    ANTI JOIN picked AS p
        ON p.as_of_key = l.as_of_key AND p.competitor_id = l.competitor_id AND p.url = l.url
),
fallback AS (
    SELECT u.as_of_key, u.fx_day, o.*
    FROM unmatched AS u
    JOIN good_fetches AS g
        ON g.competitor_id = u.competitor_id AND g.url = u.url AND g.fetched_at <= u.as_of_key
    JOIN observations AS o
        ON o.run_id = g.run_id AND o.competitor_id = g.competitor_id AND o.url = g.url
    QUALIFY o.fetched_at = max(o.fetched_at) OVER (PARTITION BY u.as_of_key, o.competitor_id, o.url)
),
chosen AS (
    SELECT * FROM picked
    UNION ALL
    SELECT * FROM fallback
)
SELECT
    g.as_of_key,
    g.fx_day,
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
