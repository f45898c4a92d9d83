-- The members of one segment at each instant of a band history, with their prices (over
-- segment_prices), in instant then competitor order.
SELECT * FROM segment_prices ORDER BY as_of_key, competitor_id
