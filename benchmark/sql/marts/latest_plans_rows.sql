-- mart_latest_plans as marts/profile_prices' plan_rows: the latest rate cards standing for "now"
-- (as_of_key NULL), converted at the latest FX rates (fx_day NULL).
SELECT
    m.*,
    CAST(NULL AS TIMESTAMPTZ) AS as_of_key,
    CAST(NULL AS DATE) AS fx_day
FROM mart_latest_plans AS m
