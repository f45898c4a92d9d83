-- Rate versions: consecutive identical observations of one plan collapsed into
-- valid_from .. valid_to (NULL = still current).
--
-- Plan identity is (competitor, registry URL, unit, included minutes, included calls), so a plan
-- keeps its history when only its name changes; the name joins the key only where two plans of
-- one fetch share unit and included quantity. Snapshots are the good, non-empty fetches of a
-- URL, numbered in time order. An observation opens a version when its values differ from the
-- previous observation of the plan (change point), or when the plan was missing from the
-- snapshot before (it had been withdrawn). A version ends at the next snapshot after its last
-- sighting: either a new version starts there, or the plan is absent from that good fetch.
-- A failed or empty fetch is no snapshot (it stored no good observation), so it ends nothing.
--
-- Set work first (change-point form without a window over every observation): observations
-- are grouped by plan and published values. Where a plan has one name and each group of equal
-- values is one unbroken run of snapshots (count = last snapshot - first + 1, runs in order
-- without overlap) -- nearly every plan -- each group IS a version. Only plans that were
-- renamed, withdrawn and back, returned to an earlier value, or appear twice in one fetch go
-- through the row-by-row change-point path (lag() over their observations alone).
WITH snapshots AS (
    -- Two narrow reads of the observations (the staging view is not materialized, so each
    -- reads only its own columns): one GROUPING SETS pass copied every column of every row,
    -- evidence included, into both groupings and took 3x as long.
    SELECT competitor_id, url, fetched_at,
           row_number() OVER (PARTITION BY competitor_id, url ORDER BY fetched_at) AS snap_no
    FROM good_observations
    GROUP BY competitor_id, url, fetched_at
),
sightings AS (
    SELECT
        competitor_id, url, unit, included_minutes, included_calls, plan_name,
        price, currency, overage_per_minute, overage_per_call, setup_fee,
        billing_increment_seconds, annual_price_per_month,
        min(fetched_at) AS first_at,
        max(fetched_at) AS last_at,
        count(*) AS observations,
        arg_min(evidence, fetched_at) AS evidence
    FROM good_observations
    GROUP BY competitor_id, url, unit, included_minutes, included_calls, plan_name,
             price, currency, overage_per_minute, overage_per_call, setup_fee,
             billing_increment_seconds, annual_price_per_month
),
spans AS (
    SELECT s.*, a.snap_no AS first_snap, b.snap_no AS last_snap,
           lag(b.snap_no) OVER (
               PARTITION BY s.competitor_id, s.url, s.unit, s.included_minutes, s.included_calls
               ORDER BY a.snap_no, b.snap_no) AS previous_last_snap
    FROM sightings AS s
    JOIN snapshots AS a
        ON a.competitor_id = s.competitor_id AND a.url = s.url AND a.fetched_at = s.first_at
    JOIN snapshots AS b
        ON b.competitor_id = s.competitor_id AND b.url = s.url AND b.fetched_at = s.last_at
),
plans AS (
    SELECT
        competitor_id, url, unit, included_minutes, included_calls,
        -- one name (or always none), and every value group an unbroken, non-overlapping run
        (min(plan_name) IS NOT DISTINCT FROM max(plan_name)
         AND (bool_and(plan_name IS NULL) OR bool_and(plan_name IS NOT NULL))
         AND bool_and(observations = last_snap - first_snap + 1)
         AND bool_and(previous_last_snap IS NULL OR previous_last_snap < first_snap)) AS simple
    FROM spans
    GROUP BY competitor_id, url, unit, included_minutes, included_calls
),
simple_versions AS (
    SELECT
        s.competitor_id, s.url,
        s.unit || '|' || coalesce(CAST(s.included_minutes AS VARCHAR), '-') || '|'
            || coalesce(CAST(s.included_calls AS VARCHAR), '-') AS plan_key,
        row_number() OVER (
            PARTITION BY s.competitor_id, s.url, s.unit, s.included_minutes, s.included_calls
            ORDER BY s.first_snap) AS version_no,
        s.plan_name, s.unit, s.included_minutes, s.included_calls,
        s.price, s.currency, s.overage_per_minute, s.overage_per_call, s.setup_fee,
        s.billing_increment_seconds, s.annual_price_per_month,
        s.evidence, s.first_at AS valid_from, s.last_at AS last_seen_at, s.last_snap,
        s.observations
    FROM spans AS s
    SEMI JOIN plans AS p
        ON p.competitor_id = s.competitor_id AND p.url = s.url AND p.unit = s.unit
       AND p.included_minutes IS NOT DISTINCT FROM s.included_minutes
       AND p.included_calls IS NOT DISTINCT FROM s.included_calls
       AND p.simple
),
-- The row-by-row path, for the few plans that need it.
keyed AS (
    SELECT
        g.*,
        g.unit || '|' || coalesce(CAST(g.included_minutes AS VARCHAR), '-') || '|'
            || coalesce(CAST(g.included_calls AS VARCHAR), '-') AS base_key
    FROM good_observations AS g
    SEMI JOIN plans AS p
        ON p.competitor_id = g.competitor_id AND p.url = g.url AND p.unit = g.unit
       AND p.included_minutes IS NOT DISTINCT FROM g.included_minutes
       AND p.included_calls IS NOT DISTINCT FROM g.included_calls
       AND NOT p.simple
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
numbered AS (
    SELECT i.*, s.snap_no
    FROM identified AS i
    JOIN snapshots AS s USING (competitor_id, url, fetched_at)
    QUALIFY row_number() OVER (PARTITION BY i.competitor_id, i.url, i.plan_key, i.fetched_at
                               ORDER BY i.plan_name) = 1
),
marked AS (
    SELECT *,
           CASE WHEN lag(snap_no) OVER w IS NULL
                  OR snap_no - lag(snap_no) OVER w > 1
                  OR price IS DISTINCT FROM lag(price) OVER w
                  OR currency IS DISTINCT FROM lag(currency) OVER w
                  OR overage_per_minute IS DISTINCT FROM lag(overage_per_minute) OVER w
                  OR overage_per_call IS DISTINCT FROM lag(overage_per_call) OVER w
                  OR setup_fee IS DISTINCT FROM lag(setup_fee) OVER w
                  OR billing_increment_seconds IS DISTINCT FROM lag(billing_increment_seconds) OVER w
                  OR annual_price_per_month IS DISTINCT FROM lag(annual_price_per_month) OVER w
                THEN 1 ELSE 0 END AS opens
    FROM numbered
    WINDOW w AS (PARTITION BY competitor_id, url, plan_key ORDER BY snap_no)
),
grouped AS (
    SELECT *, sum(opens) OVER (PARTITION BY competitor_id, url, plan_key ORDER BY snap_no
                               ROWS UNBOUNDED PRECEDING) AS version_no
    FROM marked
),
row_versions AS (
    SELECT
        competitor_id, url, plan_key, version_no,
        arg_max(plan_name, snap_no) AS plan_name,
        any_value(unit) AS unit,
        any_value(included_minutes) AS included_minutes,
        any_value(included_calls) AS included_calls,
        arg_min(price, snap_no) AS price,
        arg_min(currency, snap_no) AS currency,
        arg_min(overage_per_minute, snap_no) AS overage_per_minute,
        arg_min(overage_per_call, snap_no) AS overage_per_call,
        arg_min(setup_fee, snap_no) AS setup_fee,
        arg_min(billing_increment_seconds, snap_no) AS billing_increment_seconds,
        arg_min(annual_price_per_month, snap_no) AS annual_price_per_month,
        arg_min(evidence, snap_no) AS evidence,
        min(fetched_at) AS valid_from,
        max(fetched_at) AS last_seen_at,
        max(snap_no) AS last_snap,
        count(*) AS observations
    FROM grouped
    GROUP BY competitor_id, url, plan_key, version_no
),
versions AS (
    SELECT competitor_id, url, plan_key, version_no, plan_name, unit, included_minutes,
           included_calls, price, currency, overage_per_minute, overage_per_call, setup_fee,
           billing_increment_seconds, annual_price_per_month, evidence, valid_from,
           last_seen_at, last_snap, observations
    FROM simple_versions
    UNION ALL
    SELECT competitor_id, url, plan_key, version_no, plan_name, unit, included_minutes,
           included_calls, price, currency, overage_per_minute, overage_per_call, setup_fee,
           billing_increment_seconds, annual_price_per_month, evidence, valid_from,
           last_seen_at, last_snap, observations
    FROM row_versions
)
SELECT
    v.competitor_id, v.url, v.plan_key, v.version_no, v.plan_name, v.unit,
    v.included_minutes, v.included_calls,
    v.price, v.currency, v.overage_per_minute, v.overage_per_call,
    v.setup_fee, v.billing_increment_seconds, v.annual_price_per_month,
    v.evidence, v.valid_from, s.fetched_at AS valid_to, v.last_seen_at, v.observations
FROM versions AS v
LEFT JOIN snapshots AS s
    ON s.competitor_id = v.competitor_id AND s.url = v.url AND s.snap_no = v.last_snap + 1
