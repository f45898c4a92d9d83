"""The `rates` spider: every pricing URL of the registry, each page kept as evidence."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.utils.asyncio import call_later
from twisted.python.failure import Failure

from scrapers import browser
from scrapers import signals as crawl_signals
from scrapers.items import FetchRecord, PlanObservation
from scrapers.markup import body_syntaxes
from scrapers.middlewares import from_mirror, to_mirror
from scrapers.offload import Extractor, PageToRead
from scrapers.registry import DEFAULT_REGISTRY, Competitor, load_registry


class BadCrawlArgument(ValueError):
    """A crawl argument (competitor id, fetch time) that cannot be used; names the value."""


class UnknownCompetitor(BadCrawlArgument):
    """A competitor id asked for is not in the registry."""


def new_run_id(now: datetime | None = None) -> str:
    """A sortable, unique run id: UTC start time plus a random suffix."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def parse_instant(text: str) -> datetime:
    """An ISO 8601 date or time; a time without zone is UTC."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise BadCrawlArgument(f"fetched_at {text!r} is not an ISO 8601 date or time") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def select_competitors(registry: list[Competitor], ids: list[str] | None) -> list[Competitor]:
    """The registry's competitors named by `ids` (all when none), in registry order."""
    if not ids:
        return list(registry)
    known = {c.id for c in registry}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise UnknownCompetitor(
            f"unknown competitor id {', '.join(map(repr, unknown))} (see scrapers/registry.toml)"
        )
    wanted = set(ids)
    return [c for c in registry if c.id in wanted]


def refused_by_robots(failure: Failure) -> bool:
    """Whether the request was never sent because the site's robots.txt disallows it."""
    return isinstance(failure.value, IgnoreRequest) and "robots.txt" in str(failure.value)


def describe_failure(failure: Failure) -> str:
    """One line saying why a request produced no usable response."""
    exc = failure.value
    text = str(exc).strip()
    name = type(exc).__name__
    if refused_by_robots(failure):
        return "refused by robots.txt"
    if "max redirections" in text.lower():
        return "redirect loop: too many redirections"
    if "Timeout" in name or "timed out" in text.lower():
        return f"timeout: {text or name}"
    return f"{name}: {text}" if text else name


class RatesSpider(scrapy.Spider):
    """Fetch every registry pricing URL (through the mirror when given) and extract its plans.

    Arguments (`-a`): mirror=URL, competitors=id1,id2, db=PATH, fetched_at=ISO, run_id=ID,
    registry=PATH. A caller that has already parsed the registry passes its entries as
    `registry_entries` (the registry is not read twice).
    """

    name = "rates"

    def __init__(
        self,
        mirror: str | None = None,
        competitors: str | None = None,
        db: str | None = None,
        fetched_at: str | None = None,
        run_id: str | None = None,
        registry: str | None = None,
        registry_entries: list[Competitor] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.mirror = mirror.rstrip("/") if mirror else None
        ids = [i.strip() for i in (competitors or "").split(",") if i.strip()]
        self.registry_path = registry or str(DEFAULT_REGISTRY)
        entries = registry_entries if registry_entries is not None else load_registry(self.registry_path)
        self.competitors = select_competitors(entries, ids)
        self.db = db
        self.fetched_at = parse_instant(fetched_at) if fetched_at else None
        self.run_id = run_id or new_run_id()
        self.started_at = datetime.now(UTC)
        self.extractor = Extractor(0)
        # Pricing URLs whose response or failure has not reached a callback yet.
        self.unsettled = sum(len(c.pricing_urls) for c in self.competitors)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> RatesSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        # Settings are not frozen yet: install the Playwright handler only if a page needs it.
        browser.configure(crawler.settings, spider.competitors)
        pages = sum(len(c.pricing_urls) for c in spider.competitors)
        if pages >= crawler.settings.getint("RATEBENCH_EXTRACT_POOL_MIN_PAGES"):
            spider.extractor = Extractor(crawler.settings.getint("RATEBENCH_EXTRACT_WORKERS"))
        # The workers start loading now, not when the spider opens: opening waits for the
        # pipelines (the run's start write), and pages that arrive before a worker is ready
        # queue up for the rest of the crawl.
        spider.extractor.start()
        crawler.signals.connect(spider.extractor_close, signal=signals.spider_closed)
        return spider

    def extractor_close(self) -> None:
        peak = self.extractor.workers_peak_rss_mb()
        if peak is not None and self.crawler.stats is not None:
            self.crawler.stats.set_value("ratebench/extract_workers_peak_rss_mb", round(peak, 1))
        self.extractor.close()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for competitor in self.competitors:
            for url in competitor.pricing_urls:
                yield self.request_for(competitor, url)

    def request_for(self, competitor: Competitor, real_url: str) -> scrapy.Request:
        """A request for one pricing URL; the real URL and the competitor ride in meta."""
        target = to_mirror(real_url, self.mirror) if self.mirror else real_url
        return scrapy.Request(
            target,
            callback=self.parse,
            errback=self.on_error,
            dont_filter=True,
            meta={
                "competitor_id": competitor.id,
                "real_url": real_url,
                "country": competitor.country,
                "currency": competitor.currency,
                # Politeness is per real host, also when every request goes to one mirror.
                "download_slot": urlsplit(real_url).netloc,
                # render = "browser": fetched by Chromium through scrapy-playwright.
                **browser.request_meta(competitor, getattr(self, "settings", None)),
            },
        )

    def settle(self) -> None:
        """Count one URL as fetched (or failed); after the last, send `pages_fetched`, on the
        loop's next turn so that the page in hand goes to be read first."""
        self.unsettled -= 1
        if self.unsettled == 0 and getattr(self, "crawler", None) is not None:
            send = partial(self.crawler.signals.send_catch_log, signal=crawl_signals.pages_fetched)
            call_later(0, send)

    def now(self) -> datetime:
        return self.fetched_at or datetime.now(UTC)

    def real_final_url(self, url: str, real_url: str) -> str:
        """The response URL in the real host's space (the mirror prefix removed)."""
        return from_mirror(url, self.mirror, scheme=urlsplit(real_url).scheme or "https")

    async def parse(self, response: Response) -> AsyncIterator[FetchRecord | PlanObservation]:
        """Keep the page as evidence and yield its plans.

        @fixture ruby_pricing.html https://www.ruby.com/pricing/ ruby US USD
        @returns items 1 1
        @plans 2
        @scrapes competitor_id url final_url fetched_at content_hash
        """
        self.settle()
        meta = response.meta
        competitor_id: str = meta["competitor_id"]
        real_url: str = meta["real_url"]
        body = response.body or b""
        record = FetchRecord(
            competitor_id=competitor_id,
            url=real_url,
            final_url=self.real_final_url(response.url, real_url),
            status=response.status,
            fetched_at=self.now(),
            content_hash=hashlib.sha256(body).hexdigest() if body else None,
            body=body or None,
            ok=False,
        )
        if response.status >= 400:
            record.error = f"HTTP {response.status}"
            yield record
            return
        if not body.strip():
            record.error = "empty body"
            yield record
            return
        if not isinstance(response, TextResponse):
            content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
            record.error = f"not a text page (Content-Type {content_type or 'missing'!r})"
            yield record
            return
        assert record.content_hash is not None  # the body is not empty
        try:
            reading = await self.extractor.read_page(PageToRead(
                response.encoding,
                record.final_url or real_url,
                country=meta.get("country"),
                currency=meta.get("currency"),
                body=body,
                syntaxes=body_syntaxes(body, response.encoding),
            ))
        except Exception as exc:  # an extraction bug must not pass for "no plans"
            self.logger.exception("extraction failed on %s", real_url)
            record.error = f"extraction failed: {type(exc).__name__}: {exc}"
            yield record
            return
        record.ok = True
        record.plans_found = len(reading.plans)
        record.warnings = list(reading.warnings)
        if not reading.plans:
            record.warnings.append("no plans found on the page")
        record.plans = [
            PlanObservation.from_plan(
                plan,
                competitor_id=competitor_id,
                url=real_url,
                final_url=record.final_url,
                fetched_at=record.fetched_at,
                content_hash=record.content_hash,
                registry_currency=meta.get("currency"),
            )
            for plan in reading.plans
        ]
        yield record

    def on_error(self, failure: Failure) -> Iterator[FetchRecord]:
        """A request that got no usable response: a failed fetch, never a price change."""
        self.settle()
        request = failure.request  # type: ignore[attr-defined]
        meta = request.meta
        real_url: str = meta["real_url"]
        response = getattr(failure.value, "response", None)
        yield FetchRecord(
            competitor_id=meta["competitor_id"],
            url=real_url,
            final_url=self.real_final_url(request.url, real_url),
            status=response.status if response is not None else None,
            fetched_at=self.now(),
            content_hash=None,
            body=None,
            ok=False,
            error=describe_failure(failure),
            skipped=refused_by_robots(failure),
        )
