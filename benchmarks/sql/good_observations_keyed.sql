-- The pandas baselines' input: the engine's good observations (benchmark/sql/staging) with the
-- plan key of marts/rate_versions and the competitor's segment, loaded once into a DataFrame.
SELECT
    g.competitor_id, g.url, g.fetched_at, g.plan_name, g.unit, g.included_minutes,
    g.included_calls, g.price, g.currency, g.overage_per_minute, g.overage_per_call,
    g.setup_fee, g.billing_increment_seconds, g.annual_price_per_month, g.evidence,
    g.unit || '|' || coalesce(CAST(g.included_minutes AS VARCHAR), '-') || '|'
        || coalesce(CAST(g.included_calls AS VARCHAR), '-') AS plan_key,
    c.name AS competitor_name, c.country, c.delivery, c.service_type, c.verticals,
    c.billing_increment_seconds AS competitor_increment_seconds
FROM good_observations AS g
JOIN competitors AS c USING (competitor_id)
