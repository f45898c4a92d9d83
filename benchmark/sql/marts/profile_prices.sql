-- Each competitor's effective monthly cost for ONE usage profile, priced as set work: every
-- plan's monthly bill (benchmark/normalize.py is the reference policy; tests hold the two equal
-- to the cent), each competitor's cheapest plan after FX, and the unit equivalents.
--
-- Inputs (relations registered by benchmark.market.price_plans_sql):
--   plan_rows  latest-plan rows (marts/latest_plans) plus as_of_key (the instant they stand for;
--              band history prices many instants at once) and fx_day (the FX date, NULL = latest)
--   billed     increment_seconds -> billed_minutes: the profile's expected billed minutes per
--              month at that billing increment (lognormal call lengths; computed in Python)
--   fx_factors fx_day (0001-01-01 stands for "latest"), currency, factor: target-currency units
--              per unit of `currency` on that day, from the dated FX table (benchmark.fx: the
--              latest rate on or before the day; before the first, the first)
-- Parameters: $calls, $talk_minutes, $seats (NULL when none), $dedicated_seats,
-- $staffed_hours, $yearly (bool), $currency (target currency); $service_type and
-- $competitor_ids narrow the competitors priced: those of that service type (NULL: every one)
-- and, whatever their type, those named (a list; empty names none).
-- Output: one row per (as_of_key, competitor_id) with status priced | quote_only | unpriced.
WITH usage_facts AS (
    SELECT
        CAST($calls AS BIGINT) AS calls,
        CAST($talk_minutes AS DECIMAL(24, 10)) AS talk_minutes,
        CAST($seats AS DECIMAL(24, 10)) AS seats,
        CAST($dedicated_seats AS BIGINT) AS dedicated_seats,
        CAST($staffed_hours AS DECIMAL(24, 10)) AS staffed_hours,
        CAST($yearly AS BOOLEAN) AS yearly,
        CAST($currency AS VARCHAR) AS currency
),
shaped AS (
    SELECT
        p.*,
        coalesce(nullif(p.billing_increment_seconds, 0),
                 nullif(p.competitor_increment_seconds, 0), 60) AS increment_seconds,
        nullif(p.billing_increment_seconds, 0) IS NULL
            AND nullif(p.competitor_increment_seconds, 0) IS NULL AS increment_assumed,
        CASE WHEN p.unit = 'month' AND u.yearly AND p.annual_price_per_month IS NOT NULL
             THEN p.annual_price_per_month ELSE p.price END AS base,
        p.unit = 'month' AND u.yearly AND p.annual_price_per_month IS NOT NULL AS billed_yearly,
        -- a month plan is a calls bundle, a minutes bundle, or a flat fee
        p.unit = 'month' AND p.included_calls IS NOT NULL AND p.included_minutes IS NULL
            AS calls_bundle,
        p.unit = 'month' AND NOT (p.included_calls IS NOT NULL AND p.included_minutes IS NULL)
            AND (p.included_minutes IS NOT NULL OR p.overage_per_minute IS NOT NULL)
            AS minutes_bundle,
        u.calls, u.talk_minutes, u.seats, u.dedicated_seats, u.staffed_hours, u.currency AS target
    FROM plan_rows AS p
    CROSS JOIN usage_facts AS u
    WHERE $service_type IS NULL
       OR p.service_type = $service_type
       OR list_contains(CAST($competitor_ids AS VARCHAR[]), p.competitor_id)
),
metered AS (
    SELECT
        s.*,
        CASE WHEN s.unit = 'minute' OR s.minutes_bundle THEN b.billed_minutes END AS billed,
        CASE WHEN s.calls_bundle THEN greatest(0, s.calls - s.included_calls) END AS extra_calls,
        CASE WHEN s.minutes_bundle
             THEN greatest(0, b.billed_minutes - coalesce(s.included_minutes, 0)) END
            AS extra_minutes
    FROM shaped AS s
    LEFT JOIN billed AS b ON b.increment_seconds = s.increment_seconds
),
plan_bills AS (
    SELECT
        m.*,
        CASE
            WHEN m.unit = 'quote' OR m.price IS NULL THEN 'quote only: no price published'
            WHEN m.calls_bundle AND m.extra_calls > 0 AND m.overage_per_call IS NULL THEN
                printf('%d calls exceed the %d included and no per-call overage rate is published',
                       m.calls, m.included_calls)
            WHEN m.minutes_bundle AND m.extra_minutes > 0 AND m.overage_per_minute IS NULL THEN
                printf('%s billed minutes exceed the %d included and no per-minute overage rate '
                       || 'is published', CAST(round(m.billed, 1) AS VARCHAR), coalesce(m.included_minutes, 0))
            WHEN m.unit NOT IN ('month', 'minute', 'call', 'seat_month', 'agent_hour') THEN
                printf('unit ''%s'' cannot be priced', m.unit)
        END AS reason,
        CASE
            WHEN m.unit = 'month' AND m.calls_bundle
                THEN m.base + coalesce(m.overage_per_call * m.extra_calls, 0)
            WHEN m.unit = 'month' AND m.minutes_bundle
                THEN m.base + coalesce(m.overage_per_minute * m.extra_minutes, 0)
            WHEN m.unit = 'month' THEN m.base
            WHEN m.unit = 'minute' THEN m.price * m.billed
            WHEN m.unit = 'call' THEN m.price * m.calls
            WHEN m.unit = 'seat_month' THEN m.price * m.dedicated_seats
            WHEN m.unit = 'agent_hour' THEN m.price * m.staffed_hours
        END AS bill_before_setup
    FROM metered AS m
),
native AS (
    SELECT
        b.*,
        CASE WHEN b.reason IS NULL THEN CAST(round(
            b.bill_before_setup
            + coalesce(CAST(round(CAST(b.setup_fee AS DOUBLE) / 12, 10) AS DECIMAL(24, 10)), 0),
            6) AS DECIMAL(24, 6)) END AS native_cost
    FROM plan_bills AS b
),
converted AS (
    SELECT
        n.*,
        CASE
            WHEN n.native_cost IS NULL THEN NULL
            WHEN n.currency = n.target THEN CAST(n.native_cost AS DOUBLE)
            ELSE CAST(n.native_cost * f.factor AS DOUBLE)
        END AS target_cost
    FROM native AS n
    LEFT JOIN fx_factors AS f
        ON f.fx_day = coalesce(n.fx_day, DATE '0001-01-01') AND f.currency = n.currency
),
-- The cheapest plan per competitor by aggregation (arg_min over a sort key), not a window: many
-- tiny partitions make a window far slower. Ties go by plan name, then URL and unit.
best AS (
    SELECT
        c.as_of_key,
        c.competitor_id,
        -- only the fields the output reads (the whole row made this the query's costliest step)
        arg_min({'competitor_name': c.competitor_name, 'service_type': c.service_type,
                 'delivery': c.delivery, 'country': c.country, 'verticals': c.verticals,
                 'plan_name': c.plan_name, 'unit': c.unit, 'price': c.price,
                 'currency': c.currency, 'setup_fee': c.setup_fee, 'fetched_at': c.fetched_at,
                 'url': c.url, 'evidence': c.evidence, 'base': c.base,
                 'billed_yearly': c.billed_yearly, 'billed': c.billed,
                 'extra_calls': c.extra_calls, 'overage_per_call': c.overage_per_call,
                 'extra_minutes': c.extra_minutes, 'overage_per_minute': c.overage_per_minute,
                 'increment_assumed': c.increment_assumed,
                 'increment_seconds': c.increment_seconds, 'native_cost': c.native_cost,
                 'target_cost': c.target_cost},
                (c.target_cost IS NULL, c.target_cost, coalesce(c.plan_name, ''), c.url,
                 c.unit)) AS chosen,
        count(c.target_cost) AS n_priced_plans,
        bool_and(c.unit = 'quote') AS all_quote,
        max(c.fetched_at) AS last_fetched_at,
        array_to_string(list_sort(list_distinct(list(c.reason) FILTER (WHERE c.reason IS NOT NULL))),
                        '; ') AS reasons
    FROM converted AS c
    GROUP BY c.as_of_key, c.competitor_id
),
flat AS (
    SELECT b.as_of_key, b.competitor_id, unnest(b.chosen), b.n_priced_plans, b.all_quote,
           b.last_fetched_at, b.reasons, u.calls, u.talk_minutes, u.seats, u.dedicated_seats,
           u.staffed_hours, u.currency AS target
    FROM best AS b
    CROSS JOIN usage_facts AS u
)
SELECT
    r.as_of_key,
    r.competitor_id,
    r.competitor_name,
    r.service_type,
    r.delivery,
    r.country,
    coalesce(r.verticals, []) AS verticals,
    CASE WHEN r.n_priced_plans > 0 THEN 'priced'
         WHEN r.all_quote THEN 'quote_only'
         ELSE 'unpriced' END AS status,
    r.target AS currency,
    CASE WHEN r.n_priced_plans > 0 THEN r.plan_name END AS plan_name,
    CASE WHEN r.n_priced_plans > 0 THEN r.unit END AS unit,
    CAST(round(r.target_cost, 4) AS DECIMAL(18, 6)) AS monthly_cost,
    CAST(round(r.target_cost / r.calls, 4) AS DECIMAL(18, 6)) AS per_call,
    CAST(round(r.target_cost / CAST(r.talk_minutes AS DOUBLE), 4) AS DECIMAL(18, 6)) AS per_minute,
    CASE WHEN r.seats > 0
         THEN CAST(round(r.target_cost / CAST(r.seats AS DOUBLE), 4) AS DECIMAL(18, 6)) END
        AS per_seat_month,
    CASE WHEN r.n_priced_plans > 0 THEN r.currency END AS native_currency,
    r.native_cost AS native_monthly_cost,
    CASE WHEN r.n_priced_plans > 0 THEN r.fetched_at ELSE r.last_fetched_at END AS observed_at,
    CASE WHEN r.n_priced_plans > 0 THEN r.url END AS url,
    CASE WHEN r.n_priced_plans > 0 THEN r.evidence END AS evidence,
    CASE WHEN r.n_priced_plans = 0 THEN coalesce(r.reasons, '') END AS reason,
    -- the cheapest plan's invoice lines, worded as benchmark/normalize.py words them
    CASE WHEN r.n_priced_plans > 0 THEN list_filter([
        CASE WHEN r.unit = 'month' AND r.billed_yearly
             THEN printf('base %s %s/month billed yearly', CAST(r.base AS VARCHAR), r.currency)
             WHEN r.unit = 'month' THEN printf('base %s %s/month', CAST(r.base AS VARCHAR), r.currency) END,
        CASE WHEN r.extra_calls > 0
             THEN printf('%d calls over the bundle at %s', r.extra_calls, CAST(r.overage_per_call AS VARCHAR)) END,
        CASE WHEN r.extra_minutes > 0
             THEN printf('%s minutes over the bundle at %s', CAST(round(r.extra_minutes, 1) AS VARCHAR),
                         CAST(r.overage_per_minute AS VARCHAR)) END,
        CASE WHEN r.unit = 'minute'
             THEN printf('%s billed minutes at %s', CAST(round(r.billed, 1) AS VARCHAR), CAST(r.price AS VARCHAR)) END,
        CASE WHEN r.unit = 'call' THEN printf('%d calls at %s', r.calls, CAST(r.price AS VARCHAR)) END,
        CASE WHEN r.unit = 'seat_month'
             THEN printf('%d seats at %s', r.dedicated_seats, CAST(r.price AS VARCHAR)) END,
        CASE WHEN r.unit = 'agent_hour'
             THEN printf('%s staffed agent hours at %s', CAST(round(r.staffed_hours, 1) AS VARCHAR), CAST(r.price AS VARCHAR)) END,
        CASE WHEN r.setup_fee IS NOT NULL AND r.setup_fee <> 0
             THEN printf('setup fee %s spread over 12 months', CAST(r.setup_fee AS VARCHAR)) END,
        CASE WHEN r.increment_assumed AND r.billed IS NOT NULL
             THEN printf('billing increment not published: %d s assumed', r.increment_seconds)
        END
    ], lambda line: line IS NOT NULL) ELSE [] END AS lines
FROM flat AS r
ORDER BY r.as_of_key, r.competitor_id
