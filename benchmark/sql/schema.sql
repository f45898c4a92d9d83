-- ratebench store. Observations are append-only; money is DECIMAL with its currency.

CREATE TABLE IF NOT EXISTS competitors (
    competitor_id   VARCHAR PRIMARY KEY,
    name            VARCHAR NOT NULL,
    website         VARCHAR NOT NULL,
    country         VARCHAR NOT NULL,        -- ISO 3166 alpha-2: US, GB, PH, MX ...
    currency        VARCHAR NOT NULL,        -- ISO 4217
    delivery        VARCHAR NOT NULL,        -- domestic | nearshore | offshore
    service_type    VARCHAR NOT NULL,        -- answering_service | ai_receptionist | call_center
    verticals       VARCHAR[] NOT NULL,
    pricing_urls    VARCHAR[] NOT NULL,
    billing_increment_seconds INTEGER,       -- from billing notes, when published
    billing_notes   VARCHAR,
    render          VARCHAR NOT NULL DEFAULT 'http',  -- http | browser
    updated_at      TIMESTAMPTZ NOT NULL
);

-- One row per crawl; status: running | ok | degraded | failed.
CREATE TABLE IF NOT EXISTS crawl_runs (
    run_id          VARCHAR PRIMARY KEY,
    started_at      TIMESTAMPTZ NOT NULL,
    finished_at     TIMESTAMPTZ,
    status          VARCHAR NOT NULL,
    finish_reason   VARCHAR,
    mirror          VARCHAR,
    competitors     VARCHAR[],
    pages_ok        INTEGER,
    pages_failed    INTEGER,
    plans           INTEGER,
    stats           JSON,
    monitors        JSON,
    degraded_competitors VARCHAR[]
);

-- Page bodies, stored once per content hash (sha256 of the raw body), gzip-compressed.
-- Stored as they are: gzip does not compress further, and DuckDB's own attempt (dictionary and
-- FSST) cost ~160 ms of a 2,000-page crawl's closing checkpoint for a 1% larger file. A table
-- created before this line keeps DuckDB's choice; the rows are the same either way.
CREATE TABLE IF NOT EXISTS pages (
    content_hash    VARCHAR PRIMARY KEY,
    body_gzip       BLOB NOT NULL USING COMPRESSION uncompressed,
    size_bytes      INTEGER NOT NULL,
    first_seen_at   TIMESTAMPTZ NOT NULL
);

-- Every fetch attempt, good or bad. A failed fetch has ok = false and no observations.
CREATE TABLE IF NOT EXISTS fetches (
    run_id          VARCHAR NOT NULL,
    competitor_id   VARCHAR NOT NULL,
    url             VARCHAR NOT NULL,        -- the registry's (real) URL: the recorded source
    final_url       VARCHAR,                 -- after redirects, in the registry's host space
    status          INTEGER,                 -- HTTP status; null when no response
    fetched_at      TIMESTAMPTZ NOT NULL,
    content_hash    VARCHAR,                 -- pages.content_hash
    ok              BOOLEAN NOT NULL,
    error           VARCHAR,
    plans_found     INTEGER NOT NULL DEFAULT 0,
    warnings        VARCHAR[]
);

-- One row per rate plan seen by one good fetch.
CREATE TABLE IF NOT EXISTS observations (
    run_id          VARCHAR NOT NULL,
    competitor_id   VARCHAR NOT NULL,
    url             VARCHAR NOT NULL,
    final_url       VARCHAR,
    fetched_at      TIMESTAMPTZ NOT NULL,
    content_hash    VARCHAR NOT NULL,
    plan_name       VARCHAR,
    price           DECIMAL(14, 4),
    currency        VARCHAR NOT NULL,
    unit            VARCHAR NOT NULL,
    included_minutes INTEGER,
    included_calls  INTEGER,
    overage_per_minute DECIMAL(14, 4),
    overage_per_call DECIMAL(14, 4),
    setup_fee       DECIMAL(14, 4),
    billing_increment_seconds INTEGER,
    annual_price_per_month DECIMAL(14, 4),
    evidence        VARCHAR NOT NULL
);

-- Dated FX: how many USD one unit of `currency` buys on `rate_date`.
CREATE TABLE IF NOT EXISTS fx_rates (
    rate_date       DATE NOT NULL,
    currency        VARCHAR NOT NULL,
    usd_per_unit    DECIMAL(18, 8) NOT NULL,
    source          VARCHAR,
    PRIMARY KEY (rate_date, currency)
);

-- Crawl additions (additive only: existing columns keep their names and meaning).
-- Plans the validation pipeline refused, with the reason; never read as prices.
CREATE TABLE IF NOT EXISTS rejects (
    run_id          VARCHAR NOT NULL,
    competitor_id   VARCHAR NOT NULL,
    url             VARCHAR NOT NULL,
    fetched_at      TIMESTAMPTZ NOT NULL,
    content_hash    VARCHAR,
    plan_name       VARCHAR,
    reason          VARCHAR NOT NULL,
    plan            JSON                     -- the plan as extracted, money as strings
);

ALTER TABLE crawl_runs ADD COLUMN IF NOT EXISTS rejects INTEGER;
ALTER TABLE crawl_runs ADD COLUMN IF NOT EXISTS errors VARCHAR[];
-- The fetch time every row of the run carries when it replays an archived snapshot.
ALTER TABLE crawl_runs ADD COLUMN IF NOT EXISTS as_of TIMESTAMPTZ;
-- A page not fetched by our own policy (refused by robots.txt): ok = false, but no failure.
ALTER TABLE fetches ADD COLUMN IF NOT EXISTS skipped BOOLEAN DEFAULT false;
ALTER TABLE crawl_runs ADD COLUMN IF NOT EXISTS pages_skipped INTEGER;
