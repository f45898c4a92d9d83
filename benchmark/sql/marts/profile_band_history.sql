-- marts/profile_bands per instant (band history): the same quantiles over `segment_prices`,
-- grouped by as_of_key.
SELECT
    as_of_key,
    count(*) FILTER (WHERE status = 'priced') AS n_priced,
    count(*) FILTER (WHERE status = 'quote_only') AS n_quote_only,
    count(*) FILTER (WHERE status = 'unpriced') AS n_unpriced,
    quantile_cont(monthly_cost, [0.10, 0.25, 0.50, 0.75, 0.90])
        FILTER (WHERE status = 'priced') AS monthly_cost_q,
    quantile_cont(per_call, [0.10, 0.25, 0.50, 0.75, 0.90])
        FILTER (WHERE status = 'priced') AS per_call_q,
    quantile_cont(per_minute, [0.10, 0.25, 0.50, 0.75, 0.90])
        FILTER (WHERE status = 'priced') AS per_minute_q,
    quantile_cont(per_seat_month, [0.10, 0.25, 0.50, 0.75, 0.90])
        FILTER (WHERE status = 'priced') AS per_seat_month_q,
    min(observed_at) FILTER (WHERE status = 'priced') AS oldest_observed_at
FROM segment_prices
GROUP BY as_of_key
