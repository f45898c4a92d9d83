-- Offending rows: one plan (all its contract fields but evidence) stored twice by one run
-- for one competitor.
SELECT
    run_id, competitor_id, plan_name, price, currency, unit, included_minutes, included_calls,
    overage_per_minute, overage_per_call, setup_fee, billing_increment_seconds,
    annual_price_per_month, count(*) AS copies
FROM observations
GROUP BY ALL
HAVING count(*) > 1;
