-- Offending rows: a non-quote plan without a price, or a quote plan with one.
SELECT run_id, competitor_id, url, plan_name, unit, price
FROM observations
WHERE (unit <> 'quote' AND price IS NULL) OR (unit = 'quote' AND price IS NOT NULL)
