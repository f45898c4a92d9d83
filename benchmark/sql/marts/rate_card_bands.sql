-- Rate-card bands, independent of any profile: for each kind of published rate, one value per
-- competitor (its lowest rate of that kind on its latest rate card, in USD at the rate of the
-- observation's date), then quantiles over the competitors of the segment.
WITH converted AS (
    SELECT lp.*, fx.usd_per_unit
    FROM latest_plans AS lp
    ASOF LEFT JOIN fx_table AS fx
        ON lp.currency = fx.currency AND CAST(lp.fetched_at AS DATE) >= fx.rate_date
    WHERE ($service_type IS NULL OR lp.service_type = $service_type)
      AND ($delivery IS NULL OR lp.delivery = $delivery)
      AND ($country IS NULL OR lp.country = $country)
      AND ($vertical IS NULL OR coalesce(list_contains(lp.verticals, $vertical), false))
),
rates AS (
    SELECT competitor_id, fetched_at, 'per_minute' AS kind, price * usd_per_unit AS usd
    FROM converted WHERE unit = 'minute'
    UNION ALL
    SELECT competitor_id, fetched_at, 'per_minute', overage_per_minute * usd_per_unit
    FROM converted WHERE overage_per_minute IS NOT NULL
    UNION ALL
    SELECT competitor_id, fetched_at, 'bundle_per_minute', price / included_minutes * usd_per_unit
    FROM converted WHERE unit = 'month' AND included_minutes > 0 AND price IS NOT NULL
    UNION ALL
    SELECT competitor_id, fetched_at, 'per_call', price * usd_per_unit
    FROM converted WHERE unit = 'call'
    UNION ALL
    SELECT competitor_id, fetched_at, 'per_call', overage_per_call * usd_per_unit
    FROM converted WHERE overage_per_call IS NOT NULL
    UNION ALL
    SELECT competitor_id, fetched_at, 'per_seat_month', price * usd_per_unit
    FROM converted WHERE unit = 'seat_month'
    UNION ALL
    SELECT competitor_id, fetched_at, 'per_agent_hour', price * usd_per_unit
    FROM converted WHERE unit = 'agent_hour'
),
per_competitor AS (
    SELECT competitor_id, kind, min(usd) AS usd, min(fetched_at) AS observed_at
    FROM rates
    WHERE usd IS NOT NULL
    GROUP BY competitor_id, kind
)
SELECT
    kind,
    count(*) AS n_priced,
    quantile_cont(CAST(usd AS DECIMAL(18, 6)), [0.10, 0.25, 0.50, 0.75, 0.90]) AS q,
    min(observed_at) AS oldest_observed_at,
    list(competitor_id ORDER BY competitor_id) AS competitors
FROM per_competitor
GROUP BY kind
ORDER BY kind
