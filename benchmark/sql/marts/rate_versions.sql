-- Rate versions: consecutive identical observations of one plan collapsed into
-- valid_from .. valid_to (NULL = still current).
--
-- Plan identity is (competitor, registry URL, unit, included minutes, included calls), so a plan
-- keeps its history when only its name changes; the name joins the key only where two plans of
-- one fetch share unit and included quantity. Snapshots are the good, non-empty fetches of a
-- URL, numbered in time order. An observation opens a version when its values differ from the
-- previous observation of the plan (change point, lag()), or when the plan was missing from the
-- snapshot before (it had been withdrawn). A version ends at the next snapshot after its last
-- sighting: either a new version starts there, or the plan is absent from that good fetch.
WITH keyed AS (
    SELECT
        g.*,
        g.unit || '|' || coalesce(CAST(g.included_minutes AS VARCHAR), '-') || '|'
            || coalesce(CAST(g.included_calls AS VARCHAR), '-') AS base_key
    FROM good_observations AS g
),
ambiguous AS (
    SELECT DISTINCT competitor_id, url, base_key
    FROM keyed
    GROUP BY competitor_id, url, base_key, fetched_at
    HAVING count(DISTINCT coalesce(plan_name, '')) > 1
),
identified AS (
    SELECT
        k.*,
        CASE WHEN a.base_key IS NULL THEN k.base_key
             ELSE k.base_key || '|' || coalesce(k.plan_name, '') END AS plan_key
    FROM keyed AS k
    LEFT JOIN ambiguous AS a
        ON a.competitor_id = k.competitor_id AND a.url = k.url AND a.base_key = k.base_key
),
snapshots AS (
    SELECT competitor_id, url, fetched_at,
           row_number() OVER (PARTITION BY competitor_id, url ORDER BY fetched_at) AS snap_no
    FROM (SELECT DISTINCT competitor_id, url, fetched_at FROM identified)
),
numbered AS (
    SELECT i.*, s.snap_no,
           struct_pack(price := i.price, currency := i.currency,
                       overage_per_minute := i.overage_per_minute,
                       overage_per_call := i.overage_per_call, setup_fee := i.setup_fee,
                       billing_increment_seconds := i.billing_increment_seconds,
                       annual_price_per_month := i.annual_price_per_month) AS vals
    FROM identified AS i
    JOIN snapshots AS s USING (competitor_id, url, fetched_at)
    QUALIFY row_number() OVER (PARTITION BY i.competitor_id, i.url, i.plan_key, i.fetched_at
                               ORDER BY i.plan_name) = 1
),
marked AS (
    SELECT *,
           CASE WHEN lag(snap_no) OVER w IS NULL
                  OR snap_no - lag(snap_no) OVER w > 1
                  OR vals IS DISTINCT FROM lag(vals) OVER w
                THEN 1 ELSE 0 END AS opens
    FROM numbered
    WINDOW w AS (PARTITION BY competitor_id, url, plan_key ORDER BY snap_no)
),
grouped AS (
    SELECT *, sum(opens) OVER (PARTITION BY competitor_id, url, plan_key ORDER BY snap_no
                               ROWS UNBOUNDED PRECEDING) AS version_no
    FROM marked
),
versions AS (
    SELECT
        competitor_id, url, plan_key, version_no,
        arg_max(plan_name, snap_no) AS plan_name,
        any_value(unit) AS unit,
        any_value(included_minutes) AS included_minutes,
        any_value(included_calls) AS included_calls,
        arg_min(vals, snap_no) AS vals,
        arg_min(evidence, snap_no) AS evidence,
        min(fetched_at) AS valid_from,
        max(fetched_at) AS last_seen_at,
        max(snap_no) AS last_snap,
        count(*) AS observations
    FROM grouped
    GROUP BY competitor_id, url, plan_key, version_no
)
SELECT
    v.competitor_id, v.url, v.plan_key, v.version_no, v.plan_name, v.unit,
    v.included_minutes, v.included_calls,
    v.vals.price AS price, v.vals.currency AS currency,
    v.vals.overage_per_minute AS overage_per_minute, v.vals.overage_per_call AS overage_per_call,
    v.vals.setup_fee AS setup_fee, v.vals.billing_increment_seconds AS billing_increment_seconds,
    v.vals.annual_price_per_month AS annual_price_per_month,
    v.evidence, v.valid_from, s.fetched_at AS valid_to, v.last_seen_at, v.observations
FROM versions AS v
LEFT JOIN snapshots AS s
    ON s.competitor_id = v.competitor_id AND s.url = v.url AND s.snap_no = v.last_snap + 1
