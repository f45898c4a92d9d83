"""The crawl's garbage-collector tuning is applied while the spider runs and undone after."""

from __future__ import annotations

import gc

from scrapy.utils.test import get_crawler

from scrapers.extensions import GarbageCollectorTuning
from scrapers.runner import crawl_settings
from scrapers.spiders.rates import RatesSpider


def test_collector_is_tuned_while_the_spider_runs_and_restored_after() -> None:
    before = gc.get_threshold()
    crawler = get_crawler(RatesSpider, {"RATEBENCH_GC_THRESHOLD": [40_000, 15, 10]})
    tuning = GarbageCollectorTuning.from_crawler(crawler)
    tuning.spider_opened()
    try:
        assert gc.get_threshold() == (40_000, 15, 10)
        assert gc.get_freeze_count() > 1000  # the imported modules, at least
    finally:
        tuning.engine_stopped()
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_the_crawl_enables_it() -> None:
    settings = crawl_settings()
    assert "scrapers.extensions.GarbageCollectorTuning" in settings.getdict("EXTENSIONS")
    assert [int(n) for n in settings.getlist("RATEBENCH_GC_THRESHOLD")][0] > 700
