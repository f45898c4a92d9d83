-- The registry's competitors in one segment (NULL parameters match anything): the test
-- marts/segment_prices applies to priced rows, on the attributes those rows take from here.
SELECT competitor_id
FROM competitors
WHERE ($service_type IS NULL OR service_type = $service_type)
  AND ($delivery IS NULL OR delivery = $delivery)
  AND ($country IS NULL OR country = $country)
  AND ($vertical IS NULL OR coalesce(list_contains(verticals, $vertical), false))
