-- Offending rows: stored observations with a negative amount.
SELECT run_id, competitor_id, url, plan_name, price, overage_per_minute, overage_per_call,
       setup_fee, annual_price_per_month
FROM observations
WHERE price < 0 OR overage_per_minute < 0 OR overage_per_call < 0 OR setup_fee < 0
   OR annual_price_per_month < 0
