-- What profile pricing must know before it prices straight from mart_latest_plans: whether the
-- mart still stands for the store (latest_plans_fresh), and the billing increments (the plans'
-- and the competitors') and currencies its plans use -- pricing takes one billed-minutes row per
-- increment and one FX factor per currency. One row: fresh, increments, currencies.
SELECT
    f.fresh,
    (SELECT list(DISTINCT i.increment_seconds)
     FROM (SELECT billing_increment_seconds AS increment_seconds FROM mart_latest_plans
           UNION ALL
           SELECT competitor_increment_seconds FROM mart_latest_plans) AS i) AS increments,
    (SELECT list(DISTINCT currency) FROM mart_latest_plans) AS currencies
FROM latest_plans_fresh AS f
