"""The crawl's own settings, as Scrapy's components read them."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.extensions.remote_control import RemoteControl
from scrapy.extensions.telnet import TelnetConsole

from scrapers.runner import crawl_settings
from scrapers.spiders.rates import RatesSpider


@pytest.mark.parametrize("console", [TelnetConsole, RemoteControl])
def test_the_crawl_opens_no_console_into_its_process(console: type) -> None:
    crawler = Crawler(RatesSpider, crawl_settings())  # not scrapy.utils.test's: it turns both off
    with pytest.raises(NotConfigured):
        console.from_crawler(crawler)


# Scrapy downloader middlewares the crawl leaves out because they have nothing to do in it.
LEFT_OUT = {
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": "allowed_domains",
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": "http_user",
    "scrapy.downloadermiddlewares.stats.DownloaderStats": None,
}


def test_the_left_out_downloader_middlewares_would_have_had_nothing_to_do() -> None:
    chain = crawl_settings().get_component_priority_dict_with_base("DOWNLOADER_MIDDLEWARES")
    assert {path for path in LEFT_OUT if chain.get(path) is not None} == set()
    # What OffsiteMiddleware and HttpAuthMiddleware read from the spider: a spider that sets
    # either needs its middleware back in scrapers/settings.py.
    for attribute in filter(None, LEFT_OUT.values()):
        assert not hasattr(RatesSpider, attribute), attribute
    # Nothing reads the "downloader/..." stats DownloaderStats would have kept.
    root = Path(__file__).resolve().parents[2]
    readers = [
        path for folder in ("scrapers", "benchmark", "dashboard", "ratebench")
        for path in (root / folder).rglob("*.py") if '"downloader/' in path.read_text("utf-8")
    ]  # fmt: skip
    assert readers == []
