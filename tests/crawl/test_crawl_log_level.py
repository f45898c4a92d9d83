"""Scrapy's loggers take the crawl's LOG_LEVEL while the spider runs, so that the records the
log would drop are not built."""

from __future__ import annotations

import logging

import pytest
from scrapy.utils.test import get_crawler

from scrapers.extensions import ScrapyLogLevel
from scrapers.runner import crawl_settings
from scrapers.spiders.rates import RatesSpider


@pytest.mark.parametrize("setting", ["WARNING", "warning", logging.WARNING])
def test_records_below_the_crawls_level_are_not_built_while_it_runs(setting: object) -> None:
    engine_log = logging.getLogger("scrapy.core.engine")
    scrapy_log = logging.getLogger("scrapy")
    before = scrapy_log.level
    scrapy_log.setLevel(logging.DEBUG)  # as if the log wanted everything before the crawl
    built: list[logging.LogRecord] = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = built.append  # type: ignore[method-assign]
    engine_log.addHandler(handler)
    try:
        gate = ScrapyLogLevel.from_crawler(get_crawler(RatesSpider, {"LOG_LEVEL": setting}))
        gate.spider_opened()
        engine_log.debug("Crawled (200) <GET https://www.ruby.com/pricing/>")
        engine_log.warning("a warning still gets through")
        gate.engine_stopped()
        engine_log.debug("after the crawl, the logger's own level again")
        assert scrapy_log.level == logging.DEBUG
    finally:
        engine_log.removeHandler(handler)
        scrapy_log.setLevel(before)
    assert [r.getMessage() for r in built] == [
        "a warning still gets through",
        "after the crawl, the logger's own level again",
    ]


def test_the_crawl_enables_it() -> None:
    assert "scrapers.extensions.ScrapyLogLevel" in crawl_settings().getdict("EXTENSIONS")
