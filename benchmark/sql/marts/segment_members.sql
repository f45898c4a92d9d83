-- The competitor ids of one segment's members (over segment_prices).
SELECT competitor_id FROM segment_prices
