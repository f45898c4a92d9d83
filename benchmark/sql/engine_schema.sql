-- Tables the benchmark engine owns. `ratebench rebuild` fills the mart_* tables (materialized
-- copies of marts/rate_versions and marts/rate_changes); engine_builds logs each rebuild.
CREATE TABLE IF NOT EXISTS engine_builds (
    built_at        TIMESTAMPTZ NOT NULL,
    versions        INTEGER NOT NULL,
    changes         INTEGER NOT NULL,
    check_failures  JSON
);
-- The crawl run mart_latest_plans was built from (one row); the API reads mart_latest_plans only
-- while this is still the latest good run (marts/latest_plans_fresh), else computes live.
CREATE TABLE IF NOT EXISTS mart_latest_plans_source (
    source_run_id   VARCHAR,
    built_at        TIMESTAMPTZ NOT NULL
);
