-- Offending rows: observations that no good fetch of the same run and URL stands behind.
SELECT o.run_id, o.competitor_id, o.url, o.plan_name
FROM observations AS o
WHERE NOT EXISTS (
    SELECT 1 FROM fetches AS f
    WHERE f.run_id = o.run_id AND f.url = o.url AND f.ok
);
