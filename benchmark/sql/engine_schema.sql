-- Tables the benchmark engine owns. `ratebench rebuild` fills the mart_* tables (materialized
-- copies of marts/rate_versions and marts/rate_changes); engine_builds logs each rebuild.
CREATE TABLE IF NOT EXISTS engine_builds (
    built_at        TIMESTAMPTZ NOT NULL,
    versions        INTEGER NOT NULL,
    changes         INTEGER NOT NULL,
    check_failures  JSON
);
