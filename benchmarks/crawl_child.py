"""Benchmark children: `python -m benchmarks.crawl_child bare|full ...`, one crawl per process.

`bare`: a plain Scrapy spider that only fetches the URLs (the baseline). `full`: the project's
crawl (scrapers.runner.run_crawl: rates spider, extraction, pipelines, Spidermon, DuckDB write).
Both print one JSON line: pages, seconds (from process.crawl() to the reactor's stop, as
run_crawl measures it), when the first and the last response arrived within those seconds, the
CPU seconds the crawl used (full: its own and its extraction worker's apart) and the process's
peak RSS (full: also its extraction worker's).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.http import Response

from scrapers import settings as project_settings
from scrapers.middlewares import to_mirror
from scrapers.offload import peak_rss_mb


def cpu_seconds() -> float:
    """User plus system CPU seconds of this process."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class ResponseClock:
    """When the crawl's first and last responses arrived and its engine stopped (monotonic),
    in the crawl's stats: the phases of a crawl apart (start-up, fetching, closing).

    Installed the same way in both crawls, so both pay its one handler call per response.
    """

    PATH = "benchmarks.crawl_child.ResponseClock"

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.first: float | None = None
        self.last: float | None = None
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ResponseClock:
        return cls(crawler)

    def response_received(self) -> None:
        self.last = time.monotonic()
        if self.first is None:
            self.first = self.last

    def engine_stopped(self) -> None:
        if self.stats is not None and self.first is not None and self.last is not None:
            self.stats.set_value("benchmarks/first_response", self.first)
            self.stats.set_value("benchmarks/last_response", self.last)
            self.stats.set_value("benchmarks/engine_stopped", time.monotonic())


def phases(stats: dict[str, Any], seconds: float) -> dict[str, float]:
    """The timed span split at the first and last response: start-up, fetching, closing (s).

    The span ends when the reactor stops, just after the engine does; closing counts from the
    last response to the engine's stop (the last items, the pipelines' close, the store's write).
    """
    first, last = stats.get("benchmarks/first_response"), stats.get("benchmarks/last_response")
    stopped = stats.get("benchmarks/engine_stopped")
    if first is None or last is None or stopped is None:
        return {}
    closing = stopped - last
    fetching = last - first
    return {"start_s": max(0.0, seconds - fetching - closing), "fetch_s": fetching,
            "close_s": closing}


def shared_settings(concurrency: int) -> dict[str, Any]:
    """What both crawls run with: politeness delays off, the same concurrency settings.

    The project's own choices for items handled at once per response and for the scheduler's
    queue are given to the bare spider too: with Scrapy's defaults it would start 100 asyncio
    tasks per response for items it never yields, and be slower than it need be.
    """
    return {
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "CONCURRENT_ITEMS": 1,
        "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.ScrapyPriorityQueue",
        "DOWNLOAD_DELAY": 0,
        "DOWNLOAD_DELAY_JITTER": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,  # no console into either crawl (scrapers/settings.py)
        "REMOTE_CONTROL_ENABLED": False,
        "COOKIES_ENABLED": False,
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
    }


class BareSpider(scrapy.Spider):
    """Fetch every URL; do nothing with the response but count it."""

    name = "bare"

    def __init__(self, urls: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls = urls
        self.pages = 0
        self.bytes = 0

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.urls:
            yield scrapy.Request(url, callback=self.parse, dont_filter=True)

    def parse(self, response: Response) -> None:
        if response.status == 200:
            self.pages += 1
            self.bytes += len(response.body)


def run_bare(urls: list[str], concurrency: int) -> dict[str, Any]:
    process = CrawlerProcess({**shared_settings(concurrency), "ROBOTSTXT_OBEY": False,
                              "EXTENSIONS": {ResponseClock.PATH: 0}})
    crawler = process.create_crawler(BareSpider)
    # Timed from process.crawl(), as scrapers.runner.run_crawl times the full crawl: both pay
    # the engine's start-up (download handlers, middlewares) inside the measured span.
    start, cpu = time.monotonic(), cpu_seconds()
    process.crawl(crawler, urls=urls)
    process.start()
    seconds = time.monotonic() - start
    spider = crawler.spider
    assert isinstance(spider, BareSpider) and crawler.stats is not None
    return {"pages": spider.pages, "bytes": spider.bytes, "seconds": seconds,
            "cpu_s": cpu_seconds() - cpu, "worker_cpu_s": 0.0,
            **phases(crawler.stats.get_stats(), seconds)}


def run_full(mirror: str, registry: str, db: str, concurrency: int) -> dict[str, Any]:
    from scrapers.runner import run_crawl

    # The project's extensions (scrapers/settings.py), and the clock the bare crawl runs with.
    extensions = {**project_settings.EXTENSIONS, ResponseClock.PATH: 0}
    outcome = run_crawl(mirror=mirror, registry=registry, db=db, progress=None,
                        settings={**shared_settings(concurrency), "EXTENSIONS": extensions})
    return {
        "pages": outcome.pages_ok, "failed": outcome.pages_failed, "plans": outcome.plans,
        "rejects": outcome.rejects, "status": outcome.status, "seconds": outcome.seconds,
        # Over the timed span; the extraction worker is reaped when the spider closes.
        "cpu_s": outcome.cpu_seconds, "worker_cpu_s": outcome.child_cpu_seconds,
        "errors": outcome.errors[:5],
        # The extraction workers' own peaks, summed (VmHWM, read by the spider before it closes
        # them). 0 when extraction ran inline.
        "workers_peak_rss_mb": outcome.stats.get("ratebench/extract_workers_peak_rss_mb") or 0.0,
        **phases(dict(outcome.stats), outcome.seconds),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("bare", "full"))
    parser.add_argument("--mirror", required=True)
    parser.add_argument("--urls", help="file of real URLs, one a line (bare)")
    parser.add_argument("--registry", help="registry TOML (full)")
    parser.add_argument("--db", help="database file (full)")
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    if args.mode == "bare":
        with open(args.urls, encoding="utf-8") as handle:
            urls = [to_mirror(line.strip(), args.mirror) for line in handle if line.strip()]
        report = run_bare(urls, args.concurrency)
    else:
        report = run_full(args.mirror, args.registry, args.db, args.concurrency)
    # VmHWM, not ru_maxrss, which would count the benchmark runner's peak (see run_child).
    report["peak_rss_mb"] = (peak_rss_mb()
                             or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
