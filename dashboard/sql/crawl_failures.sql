-- Fetch failures per competitor over every recorded run, with its last good fetch. A page
-- robots.txt refused is counted apart: skipped by our policy, not a failure of the site.
SELECT
    c.competitor_id,
    c.name,
    count(f.url) FILTER (WHERE NOT f.ok AND NOT coalesce(f.skipped, false)) AS failed_fetches,
    count(f.url) FILTER (WHERE coalesce(f.skipped, false)) AS skipped_fetches,
    count(f.url) AS fetches,
    max(f.fetched_at) FILTER (WHERE NOT f.ok AND NOT coalesce(f.skipped, false)) AS last_failure_at,
    arg_max(f.error, f.fetched_at) FILTER (WHERE NOT f.ok) AS last_error,
    max(f.fetched_at) FILTER (WHERE f.ok) AS last_ok_at
FROM competitors AS c
LEFT JOIN fetches AS f USING (competitor_id)
GROUP BY c.competitor_id, c.name
ORDER BY failed_fetches DESC, c.name
