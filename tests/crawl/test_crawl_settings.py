"""The crawl's own settings, as Scrapy's components read them."""

from __future__ import annotations

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
