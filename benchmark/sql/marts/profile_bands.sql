-- A profile's band over one segment: quantiles (linear interpolation, quantile_cont) of each
-- competitor's effective monthly cost and its unit equivalents, with counts and the age of the
-- oldest observation behind the priced competitors. One value per competitor by construction.
SELECT
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
    min(observed_at) FILTER (WHERE status = 'priced') AS oldest_observed_at,
    -- the segment's members, so the caller needs no second query
    list(competitor_id) AS member_ids
FROM segment_prices
