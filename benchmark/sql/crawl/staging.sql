-- The staging tables of a crawl's writes: temporary (this connection's only), empty copies of
-- the tables the rows land in (types from schema.sql; no constraints, which apply where the rows
-- land), filled by benchmark.writer through DuckDB's appender, then read by
-- crawl/upsert_competitors.sql and crawl/insert_*.sql.
CREATE OR REPLACE TEMP TABLE staged_competitors AS FROM competitors LIMIT 0;
CREATE OR REPLACE TEMP TABLE staged_pages AS FROM pages LIMIT 0;
CREATE OR REPLACE TEMP TABLE staged_fetches AS FROM fetches LIMIT 0;
CREATE OR REPLACE TEMP TABLE staged_observations AS FROM observations LIMIT 0;
CREATE OR REPLACE TEMP TABLE staged_rejects AS FROM rejects LIMIT 0;
