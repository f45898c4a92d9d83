"""Downloader middlewares: the offline mirror's URL mapping, retry backoff, robots.txt rules for
concurrent waiters, and meta-refresh redirects that leave most pages undecoded."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware as ScrapyMetaRefresh
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import HtmlResponse, Response
from scrapy.robotstxt import RobotParser
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from scrapers.markup import ascii_compatible


def to_mirror(real_url: str, mirror: str) -> str:
    """`https://www.ruby.com/pricing/` -> `MIRROR/www.ruby.com/pricing/` (query kept)."""
    parts = urlsplit(real_url)
    path = parts.path or "/"
    query = f"?{parts.query}" if parts.query else ""
    return f"{mirror.rstrip('/')}/{parts.netloc}{path}{query}"


def on_mirror(url: str, mirror: str) -> bool:
    """Whether `url` already points at the mirror."""
    return url.startswith(mirror.rstrip("/") + "/")


def from_mirror(url: str, mirror: str | None, scheme: str = "https") -> str:
    """`MIRROR/www.ruby.com/pricing/` -> `https://www.ruby.com/pricing/`; other URLs unchanged."""
    if not mirror or not on_mirror(url, mirror):
        return url
    rest = url[len(mirror.rstrip("/")) + 1 :]
    host, _, path = rest.partition("/")
    return f"{scheme}://{host}/{path}"


class MirrorRewriteMiddleware:
    """Send every request to the mirror, including redirects to a real host's absolute URL.

    The spider already requests mirror URLs; this catches `Location: https://www.x.com/...`
    answers so that a crawl against the mirror never leaves loopback.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MirrorRewriteMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> Request | None:
        mirror = getattr(self.crawler.spider, "mirror", None)
        if not mirror or on_mirror(request.url, mirror):
            return None
        if not request.url.startswith(("http://", "https://")):
            return None  # file: and data: URLs (contracts) stay as they are
        if request.url.rstrip("/") == mirror.rstrip("/"):
            return None
        return request.replace(url=to_mirror(request.url, mirror))


class RetryBackoffMiddleware:
    """Wait BASE * 2**(n-1) seconds (capped) before the n-th retry of a request."""

    def __init__(self, base: float, cap: float) -> None:
        self.base = base
        self.cap = cap

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryBackoffMiddleware:
        settings = crawler.settings
        return cls(
            settings.getfloat("RETRY_BACKOFF_BASE", 1.0), settings.getfloat("RETRY_BACKOFF_MAX", 30.0)
        )

    async def process_request(self, request: Request) -> None:
        retries = int(request.meta.get("retry_times", 0))
        if retries and self.base > 0:
            await asyncio.sleep(min(self.base * 2 ** (retries - 1), self.cap))
        return None


class ConcurrentRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, safe for many requests waiting on one host's rules.

    In Scrapy 2.19 under the asyncio reactor every request that arrives while a host's
    robots.txt is downloading awaits the same Deferred through `asFuture()`, whose callback
    returns None: the second and later waiters get no parser and are let through unchecked.
    Through the mirror every request shares one host, so that let disallowed pages be fetched.
    Here each waiter gets its own Deferred, relayed from the shared one.
    """

    def process_request(self, request: Request) -> Coroutine[Any, Any, None] | None:
        """Check a request against its host's rules at once when they are already parsed.

        Only the first requests to a host wait for its robots.txt; every later one is checked
        here without the coroutines the awaiting path costs (most of the middleware's time).
        """
        if request.meta.get("dont_obey_robotstxt") or request.url.startswith(("data:", "file:")):
            return None
        netloc = urlparse_cached(request).netloc
        if netloc in self._parsers:
            parser = self._parsers[netloc]  # None: robots.txt could not be had, all allowed
            if parser is None or isinstance(parser, RobotParser):
                self.process_request_2(parser, request)
                return None
        return super().process_request(request)

    async def robot_parser(self, request: Request) -> RobotParser | None:
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if isinstance(pending, Deferred):
            own: Deferred[RobotParser | None] = Deferred()

            def relay(parser: RobotParser | None) -> RobotParser | None:
                own.callback(parser)
                return parser  # keep the result for the next waiter in the chain

            pending.addCallback(relay)
            return await maybe_deferred_to_future(own)
        return await super().robot_parser(request)


class MetaRefreshMiddleware(ScrapyMetaRefresh):
    """Scrapy's meta-refresh redirects, without decoding the pages that declare none.

    Scrapy decodes every HTML page to look for a refresh in its first 4,096 characters, and
    a refresh is a <meta> whose attributes say "refresh". In an ASCII-compatible encoding those
    letters are the same bytes, so a page whose first bytes (4 a character, UTF-8's most, and a
    byte-order mark) lack them in every case declares none: the crawl process, which runs
    Scrapy on one busy thread, leaves it undecoded (the extraction worker decodes it). Every
    other page goes through Scrapy's own check.
    """

    WINDOW_BYTES = 4 * 4096 + 4

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if (
            isinstance(response, HtmlResponse)
            and ascii_compatible(response.encoding)
            and b"refresh" not in response.body[: self.WINDOW_BYTES].lower()
        ):
            return response
        return super().process_response(request, response)
