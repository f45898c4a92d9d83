-- Price changes of one crawl run against the latest earlier observation of the same plan.
-- Only observations exist for good fetches, so a failed or empty fetch is never a change.
-- Parameters: $run_id, $threshold (fraction, 0.10 = 10 %).
WITH run AS (
    SELECT started_at FROM crawl_runs WHERE run_id = $run_id
),
cur AS (
    SELECT competitor_id,
           coalesce(plan_name, '') AS plan_name,
           unit,
           currency,
           min(price) AS price,
           arg_min(evidence, price) AS evidence,
           arg_min(url, price) AS url,
           min(fetched_at) AS fetched_at
    FROM observations
    WHERE run_id = $run_id AND price IS NOT NULL
    GROUP BY ALL
),
prev AS (
    SELECT o.competitor_id,
           coalesce(o.plan_name, '') AS plan_name,
           o.unit,
           o.currency,
           arg_max(o.price, o.fetched_at) AS price,
           arg_max(o.evidence, o.fetched_at) AS evidence,
           max(o.fetched_at) AS fetched_at
    FROM observations o, run
    WHERE o.run_id <> $run_id
      AND o.price IS NOT NULL
      AND o.fetched_at < run.started_at
    GROUP BY ALL
)
SELECT cur.competitor_id,
       cur.plan_name,
       cur.unit,
       cur.currency,
       prev.price AS old_price,
       cur.price AS new_price,
       (cur.price - prev.price) / prev.price AS change,
       prev.fetched_at AS old_fetched_at,
       cur.fetched_at AS new_fetched_at,
       prev.evidence AS old_evidence,
       cur.evidence AS new_evidence,
       cur.url
FROM cur
JOIN prev USING (competitor_id, plan_name, unit, currency)
WHERE prev.price > 0
  AND abs(cur.price - prev.price) / prev.price > $threshold
ORDER BY abs(cur.price - prev.price) / prev.price DESC, cur.competitor_id, cur.plan_name;
