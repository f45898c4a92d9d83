-- Each change of a plan's published values: the version before and the one after, with the
-- percent change of the price (and of the overage rates) where both are known. A plan that
-- comes back unchanged after being withdrawn is not a change.
WITH paired AS (
    SELECT
        v.*,
        lag(v.price) OVER w AS old_price,
        lag(v.overage_per_minute) OVER w AS old_overage_per_minute,
        lag(v.overage_per_call) OVER w AS old_overage_per_call,
        lag(v.setup_fee) OVER w AS old_setup_fee,
        lag(v.currency) OVER w AS old_currency,
        lag(v.plan_name) OVER w AS old_plan_name,
        lag(v.valid_from) OVER w AS old_valid_from,
        lag(v.version_no) OVER w AS old_version_no
    FROM rate_versions AS v
    WINDOW w AS (PARTITION BY v.competitor_id, v.url, v.plan_key ORDER BY v.version_no)
)
SELECT
    competitor_id, url, plan_key, plan_name, old_plan_name, unit, included_minutes, included_calls,
    valid_from AS changed_at, old_valid_from,
    old_currency, currency,
    old_price, price AS new_price,
    CASE WHEN old_price > 0 AND price IS NOT NULL AND old_currency = currency
         THEN round(CAST((price - old_price) * 100 AS DOUBLE) / CAST(old_price AS DOUBLE), 2)
    END AS percent,
    old_overage_per_minute, overage_per_minute AS new_overage_per_minute,
    CASE WHEN old_overage_per_minute > 0 AND overage_per_minute IS NOT NULL
         THEN round(CAST((overage_per_minute - old_overage_per_minute) * 100 AS DOUBLE)
                    / CAST(old_overage_per_minute AS DOUBLE), 2)
    END AS overage_per_minute_percent,
    old_overage_per_call, overage_per_call AS new_overage_per_call,
    old_setup_fee, setup_fee AS new_setup_fee,
    evidence
FROM paired
WHERE old_version_no IS NOT NULL
  AND (old_price IS DISTINCT FROM price
       OR old_currency IS DISTINCT FROM currency
       OR old_overage_per_minute IS DISTINCT FROM overage_per_minute
       OR old_overage_per_call IS DISTINCT FROM overage_per_call
       OR old_setup_fee IS DISTINCT FROM setup_fee)
