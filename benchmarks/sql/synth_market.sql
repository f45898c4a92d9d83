-- A synthetic market built entirely inside DuckDB (no Python loops): $competitors competitors,
-- 10 plans each, one good crawl a night for $nights nights. Each plan's price steps up 3% at
-- a competitor-specific period (60..299 nights), so versions are few and realistic.
-- Parameters: $competitors, $nights, $start (TIMESTAMPTZ of the first night).
CREATE OR REPLACE TEMP TABLE synth_competitors AS
SELECT
    c AS n,
    'comp-' || lpad(CAST(c AS VARCHAR), 5, '0') AS competitor_id,
    -- 40% are US domestic answering services: the profile's segment is well populated.
    CASE WHEN c % 5 < 2 THEN 'answering_service'
         WHEN c % 5 = 2 THEN 'ai_receptionist' ELSE 'call_center' END AS service_type,
    CASE WHEN c % 5 < 3 THEN 'domestic' WHEN c % 5 = 3 THEN 'nearshore' ELSE 'offshore' END
        AS delivery,
    CASE WHEN c % 5 < 2 THEN (['US', 'US', 'US', 'GB', 'CA'])[1 + c // 5 % 5]
         WHEN c % 5 = 2 THEN 'US' WHEN c % 5 = 3 THEN 'MX' ELSE 'PH' END AS country,
    60 + (c * 37) % 240 AS period,
    (c * 13) % 97 AS phase,
    0.6 + ((c * 7919) % 1000) / 1000.0 AS scale
FROM range($competitors) AS t(c);

INSERT INTO competitors
SELECT
    competitor_id,
    'Competitor ' || n,
    'https://' || competitor_id || '.example/',
    country,
    CASE country WHEN 'GB' THEN 'GBP' WHEN 'CA' THEN 'CAD' ELSE 'USD' END,
    delivery,
    service_type,
    ['general', CASE WHEN n % 3 = 0 THEN 'legal' WHEN n % 3 = 1 THEN 'medical' ELSE 'home_services' END],
    ['https://' || competitor_id || '.example/pricing'],
    CASE WHEN n % 4 = 0 THEN 30 WHEN n % 4 = 1 THEN 60 WHEN n % 4 = 2 THEN 6 ELSE NULL END,
    'synthetic',
    'http',
    $start
FROM synth_competitors;

INSERT INTO crawl_runs (run_id, started_at, finished_at, status, finish_reason, mirror,
                        pages_ok, pages_failed, plans, rejects)
SELECT
    'night-' || lpad(CAST(d AS VARCHAR), 5, '0'),
    $start + to_days(CAST(d AS INTEGER)),
    $start + to_days(CAST(d AS INTEGER)) + INTERVAL 20 MINUTE,
    'ok', 'finished', NULL, $competitors, 0, $competitors * 10, 0
FROM range($nights) AS t(d);

INSERT INTO fetches (
    run_id, competitor_id, url, final_url, status, fetched_at, content_hash, ok, error,
    plans_found, warnings
)
SELECT
    'night-' || lpad(CAST(d AS VARCHAR), 5, '0'),
    c.competitor_id,
    'https://' || c.competitor_id || '.example/pricing',
    'https://' || c.competitor_id || '.example/pricing',
    200,
    $start + to_days(CAST(d AS INTEGER)) + to_seconds(c.n % 1200),
    c.competitor_id || ':' || (d + c.phase) // c.period,
    true, NULL, 10, []
FROM synth_competitors AS c, range($nights) AS t(d);

INSERT INTO observations
WITH plans AS (
    SELECT * FROM (VALUES
        (0, 'Starter 50',  'month',      50,   NULL, 49.00,  1.50, NULL),
        (1, 'Basic 100',   'month',      100,  NULL, 89.00,  1.40, NULL),
        (2, 'Pro 200',     'month',      200,  NULL, 169.00, 1.30, NULL),
        (3, 'Business 500','month',      500,  NULL, 389.00, 1.20, NULL),
        (4, 'Pay as you go', 'minute',   NULL, NULL, 1.75,   NULL, NULL),
        (5, 'Per call',    'call',       NULL, NULL, 2.50,   NULL, NULL),
        (6, 'Calls 100',   'month',      NULL, 100,  199.00, NULL, 2.25),
        (7, 'Dedicated seat', 'seat_month', NULL, NULL, 1900.00, NULL, NULL),
        (8, 'Agent hour',  'agent_hour', NULL, NULL, 14.00,  NULL, NULL),
        (9, 'Enterprise',  'quote',      NULL, NULL, NULL,   NULL, NULL)
    ) AS p(plan_no, plan_name, unit, included_minutes, included_calls, base, overage_min, overage_call)
),
priced AS (
    SELECT
        f.run_id, f.competitor_id, f.url, f.final_url, f.fetched_at, f.content_hash,
        p.plan_name, p.unit, p.included_minutes, p.included_calls, c.n,
        -- 3% up at every step of the competitor's period; each plan at its own phase.
        1.0 + 0.03 * ((CAST(substr(f.run_id, 7) AS INTEGER) + c.phase + p.plan_no * 11)
                      // c.period) AS step,
        c.scale, p.base, p.overage_min, p.overage_call
    FROM fetches AS f
    JOIN synth_competitors AS c ON c.competitor_id = f.competitor_id
    CROSS JOIN plans AS p
    WHERE f.run_id LIKE 'night-%'
)
SELECT
    run_id, competitor_id, url, final_url, fetched_at, content_hash, plan_name,
    CAST(round(base * scale * step, 2) AS DECIMAL(14, 4)),
    CASE WHEN n % 5 < 2 AND n // 5 % 5 = 3 THEN 'GBP'
         WHEN n % 5 < 2 AND n // 5 % 5 = 4 THEN 'CAD' ELSE 'USD' END,
    unit, included_minutes, included_calls,
    CAST(round(overage_min * scale * step, 2) AS DECIMAL(14, 4)),
    CAST(round(overage_call * scale * step, 2) AS DECIMAL(14, 4)),
    CASE WHEN n % 3 = 0 THEN CAST(99 AS DECIMAL(14, 4)) END,
    NULL,
    CASE WHEN unit = 'month' THEN CAST(round(base * scale * step * 0.85, 2) AS DECIMAL(14, 4)) END,
    plan_name || ': ' || coalesce('$' || CAST(round(base * scale * step, 2) AS VARCHAR),
                                  'Contact us for pricing')
FROM priced;
