-- Offending rows: two versions of one plan whose validity intervals overlap.
SELECT a.competitor_id, a.url, a.plan_key, a.version_no, b.version_no AS other_version_no,
       a.valid_from, a.valid_to, b.valid_from AS other_valid_from, b.valid_to AS other_valid_to
FROM rate_versions AS a
JOIN rate_versions AS b
  ON a.competitor_id = b.competitor_id AND a.url = b.url AND a.plan_key = b.plan_key
 AND a.version_no < b.version_no
WHERE b.valid_from < coalesce(a.valid_to, TIMESTAMPTZ '9999-12-31')
