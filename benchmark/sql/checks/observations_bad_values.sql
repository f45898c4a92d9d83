-- Offending rows: priced plans without a price, quotes with one, negative money, no evidence.
SELECT run_id, competitor_id, url, plan_name, unit, price, currency
FROM observations
WHERE (unit <> 'quote' AND price IS NULL)
   OR (unit = 'quote' AND price IS NOT NULL)
   OR least(price, overage_per_minute, overage_per_call, setup_fee, annual_price_per_month) < 0
   OR coalesce(trim(evidence), '') = ''
   OR currency NOT IN ('USD', 'GBP', 'EUR', 'CAD', 'AUD');
