INSERT INTO observations (
    run_id, competitor_id, url, final_url, fetched_at, content_hash, plan_name, price,
    currency, unit, included_minutes, included_calls, overage_per_minute, overage_per_call,
    setup_fee, billing_increment_seconds, annual_price_per_month, evidence
)
SELECT
    run_id, competitor_id, url, final_url, fetched_at, content_hash, plan_name, price,
    currency, unit, included_minutes, included_calls, overage_per_minute, overage_per_call,
    setup_fee, billing_increment_seconds, annual_price_per_month, evidence
FROM staged_observations;
