"""The crawl's own Scrapy signal."""

from __future__ import annotations

# Sent by the `rates` spider once every pricing URL has its response or its failure: from then
# on the crawl only reads its last pages. No arguments. Not sent by a crawl stopped early.
pages_fetched = object()
