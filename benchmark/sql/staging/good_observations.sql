-- Observations that count: seen by a good fetch (ok = true) of a crawl run that finished 'ok' or
-- 'degraded', minus, for a degraded run, the competitors it lists as degraded (their last good
-- observations stay in force). A failed or empty fetch contributes no row, so it can never end
-- a rate version or move a band.
--
-- Decided with small tables only: the run (one row per crawl) and the failed fetches (few), so
-- the observations are read once with no join on their full width. Every observation comes
-- from a fetch (the writer stores both in one transaction; checks/observations_without_fetch
-- reports any that does not).
SELECT
    o.run_id,
    o.competitor_id,
    o.url,
    o.final_url,
    o.fetched_at,
    o.content_hash,
    o.plan_name,
    o.price,
    upper(trim(o.currency)) AS currency,
    o.unit,
    o.included_minutes,
    o.included_calls,
    o.overage_per_minute,
    o.overage_per_call,
    o.setup_fee,
    o.billing_increment_seconds,
    o.annual_price_per_month,
    o.evidence
FROM observations AS o
JOIN crawl_runs AS r ON r.run_id = o.run_id
-- An uncorrelated anti join on the (few) failed fetches: written as a correlated NOT EXISTS,
-- DuckDB deduplicated the keys of every observation first (0.5 s of 0.75 s at 10M rows).
ANTI JOIN (SELECT run_id, competitor_id, url FROM fetches WHERE NOT ok) AS failed
    ON failed.run_id = o.run_id AND failed.competitor_id = o.competitor_id
   AND failed.url = o.url
WHERE r.status IN ('ok', 'degraded')
  AND NOT (r.status = 'degraded'
           AND coalesce(list_contains(r.degraded_competitors, o.competitor_id), false))
