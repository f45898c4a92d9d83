-- The registry is the source of truth for competitors: every crawl start refreshes them.
INSERT OR REPLACE INTO competitors (
    competitor_id, name, website, country, currency, delivery, service_type, verticals,
    pricing_urls, billing_increment_seconds, billing_notes, render, updated_at
)
SELECT
    competitor_id, name, website, country, currency, delivery, service_type, verticals,
    pricing_urls, billing_increment_seconds, billing_notes, render, updated_at
FROM staged_competitors;
