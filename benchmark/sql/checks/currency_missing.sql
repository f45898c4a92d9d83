-- Offending rows: observations whose currency is empty or has no FX rate at all.
SELECT o.run_id, o.competitor_id, o.url, o.plan_name, o.currency
FROM observations AS o
WHERE o.currency IS NULL OR trim(o.currency) = ''
   OR upper(trim(o.currency)) NOT IN (SELECT DISTINCT currency FROM fx_table)
