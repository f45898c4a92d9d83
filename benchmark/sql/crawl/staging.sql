-- The staging tables of a crawl's writes: temporary (this connection's only), filled by
-- benchmark.writer through DuckDB's appender, then read by crawl/upsert_competitors.sql and
-- crawl/insert_*.sql. Types are those of schema.sql; its constraints apply where rows land.
CREATE OR REPLACE TEMP TABLE staged_competitors (
    competitor_id   VARCHAR,
    name            VARCHAR,
    website         VARCHAR,
    country         VARCHAR,
    currency        VARCHAR,
    delivery        VARCHAR,
    service_type    VARCHAR,
    verticals       VARCHAR[],
    pricing_urls    VARCHAR[],
    billing_increment_seconds INTEGER,
    billing_notes   VARCHAR,
    render          VARCHAR,
    updated_at      TIMESTAMPTZ
);

CREATE OR REPLACE TEMP TABLE staged_pages (
    content_hash    VARCHAR,
    body_gzip       BLOB,
    size_bytes      INTEGER,
    first_seen_at   TIMESTAMPTZ
);

CREATE OR REPLACE TEMP TABLE staged_fetches (
    run_id          VARCHAR,
    competitor_id   VARCHAR,
    url             VARCHAR,
    final_url       VARCHAR,
    status          INTEGER,
    fetched_at      TIMESTAMPTZ,
    content_hash    VARCHAR,
    ok              BOOLEAN,
    error           VARCHAR,
    plans_found     INTEGER,
    warnings        VARCHAR[],
    skipped         BOOLEAN
);

CREATE OR REPLACE TEMP TABLE staged_observations (
    run_id          VARCHAR,
    competitor_id   VARCHAR,
    url             VARCHAR,
    final_url       VARCHAR,
    fetched_at      TIMESTAMPTZ,
    content_hash    VARCHAR,
    plan_name       VARCHAR,
    price           DECIMAL(14, 4),
    currency        VARCHAR,
    unit            VARCHAR,
    included_minutes INTEGER,
    included_calls  INTEGER,
    overage_per_minute DECIMAL(14, 4),
    overage_per_call DECIMAL(14, 4),
    setup_fee       DECIMAL(14, 4),
    billing_increment_seconds INTEGER,
    annual_price_per_month DECIMAL(14, 4),
    evidence        VARCHAR
);

CREATE OR REPLACE TEMP TABLE staged_rejects (
    run_id          VARCHAR,
    competitor_id   VARCHAR,
    url             VARCHAR,
    fetched_at      TIMESTAMPTZ,
    content_hash    VARCHAR,
    plan_name       VARCHAR,
    reason          VARCHAR,
    plan            VARCHAR
);
