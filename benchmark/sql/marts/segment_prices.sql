-- Competitors of one segment (NULL parameters match anything). `competitor_prices` holds ONE
-- row per competitor: its cheapest plan for the profile, or its status when it has none.
SELECT *
FROM competitor_prices
WHERE ($service_type IS NULL OR service_type = $service_type)
  AND ($delivery IS NULL OR delivery = $delivery)
  AND ($country IS NULL OR country = $country)
  AND ($vertical IS NULL OR coalesce(list_contains(verticals, $vertical), false))
