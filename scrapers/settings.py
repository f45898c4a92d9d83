"""Scrapy settings for the ratebench crawl (`scrapy crawl rates`, `ratebench crawl`).

Polite by default: robots.txt obeyed, one request at a time per domain, AutoThrottle on,
retries with exponential backoff, and a User-Agent that says who we are and where to complain.
"""

from __future__ import annotations

from scrapy.settings import default_settings as _scrapy

BOT_NAME = "ratebench"
SPIDER_MODULES = ["scrapers.spiders"]
NEWSPIDER_MODULE = "scrapers.spiders"

USER_AGENT = "ratebench/0.1 (+https://github.com/ratebench/ratebench)"
ROBOTSTXT_OBEY = True

CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 0.5
DOWNLOAD_TIMEOUT = 20
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024

AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# Our own keys: the delay before retry n is BASE * 2**(n-1) seconds, capped at MAX.
RETRY_BACKOFF_BASE = 1.0
RETRY_BACKOFF_MAX = 30.0

REDIRECT_ENABLED = True
REDIRECT_MAX_TIMES = 10
# Every status reaches the spider, which records 4xx/5xx as failed fetches (after retries).
HTTPERROR_ALLOW_ALL = True

COOKIES_ENABLED = False
# No console into the crawl process: Scrapy's telnet console and (since 2.19) its remote-control
# HTTP server both run Python code sent to them, and an unattended nightly crawl needs neither.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
# A pricing page is evidence: never answer it from a stale local cache.
HTTPCACHE_ENABLED = False

# Scrapy imports every component of its *_BASE dicts to read its priority, also one set to None
# here or switched off by a setting. Two of them cost each crawl's start ~0.15 s of imports and
# nothing else: the remote-control server (aiohttp; REMOTE_CONTROL_ENABLED is off) and the
# cookies middleware (tldextract; COOKIES_ENABLED is off). So the bases leave them out.
EXTENSIONS_BASE = {
    name: order
    for name, order in _scrapy.EXTENSIONS_BASE.items()
    if name != "scrapy.extensions.remote_control.RemoteControl"
}
DOWNLOADER_MIDDLEWARES_BASE = {
    name: order
    for name, order in _scrapy.DOWNLOADER_MIDDLEWARES_BASE.items()
    if name != "scrapy.downloadermiddlewares.cookies.CookiesMiddleware"
}

DOWNLOADER_MIDDLEWARES = {
    # Before RobotsTxtMiddleware (100), so robots rules are checked on the mirror's URL.
    "scrapers.middlewares.MirrorRewriteMiddleware": 50,
    "scrapers.middlewares.RetryBackoffMiddleware": 60,
    # Scrapy's own lets concurrent waiters through unchecked (see the class docstring).
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "scrapers.middlewares.ConcurrentRobotsTxtMiddleware": 100,
    # Scrapy's, ruling out in the bytes the pages that declare no refresh (see the class).
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "scrapers.middlewares.MetaRefreshMiddleware": 580,
    # Scrapy's, with nothing to do in this crawl, each still awaited for every request:
    # the spider sets no allowed_domains and no HTTP credentials, and nothing reads the
    # downloader/* byte and status counts (the fetches table keeps every status and error),
    # whose request-bytes count formats every request out in full. 4.5% of the crawl
    # process's instructions a page (benchmarks/ANALYSIS.md).
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
    "scrapy.downloadermiddlewares.stats.DownloaderStats": None,
}

# The spider never follows links: its callbacks yield only items, and these middlewares act
# only on requests a callback yields. Each one still wraps every item in another async
# generator layer (~0.1 ms an item), so they are left out. RefererMiddleware stays: the
# redirect middlewares use it to set Referer on redirects (and warn on every crawl without it).
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}

ITEM_PIPELINES = {
    "scrapers.pipelines.NormalizePlanPipeline": 100,
    "scrapers.pipelines.ValidatePlanPipeline": 200,
    "scrapers.pipelines.DeduplicatePlanPipeline": 300,
    "scrapers.pipelines.StorePipeline": 900,
}

SPIDER_CONTRACTS = {
    "scrapers.spiders.contracts.FixturePageContract": 10,
    "scrapers.spiders.contracts.PlansContract": 20,
}

# Extraction runs in this many worker processes (scrapers/offload.py) once a crawl has at
# least RATEBENCH_EXTRACT_POOL_MIN_PAGES pricing URLs; smaller crawls extract inline. The worker
# starts while the crawl opens and the crawl process then never loads the extraction code, so
# on 2 cores it won from 25 pages up (median of 3 each, benchmark mirror: 0.85 vs 1.00 s at 25
# pages, 0.94 vs 1.23 s at 50, 2.99 vs 3.92 s at 600). Below 50 the gain is within noise, and the
# registry's own crawl (a few dozen URLs) keeps to one process. 0 workers: always inline.
RATEBENCH_EXTRACT_WORKERS = 1
RATEBENCH_EXTRACT_POOL_MIN_PAGES = 50
# The item pipelines are synchronous, so running a page's items "in parallel" gains nothing,
# while Scrapy starts one asyncio task per slot for every response (100 by default).
CONCURRENT_ITEMS = 1

# Every pricing URL has its own host and so its own downloader slot (politeness is per host).
# Scrapy's default DownloaderAwarePriorityQueue keeps a queue per slot and scans all of them
# for every request it hands out: with thousands of hosts that scan was ~6% of the crawl's
# CPU. The plain priority queue hands out requests in order; the downloader's per-slot
# concurrency and delays still hold each host to its limits.
SCHEDULER_PRIORITY_QUEUE = "scrapy.pqueues.ScrapyPriorityQueue"
# The whole stats dict is stored with the run (crawl_runs.stats, `ratebench db info`); Scrapy's
# pretty-printed dump at close would format per-competitor counters for every host again.
STATS_DUMP = False

# gc.set_threshold while the crawl runs (scrapers/extensions.py): Python's default (700, 10,
# 10) made the collector rescan the crawl's growing set of page records hundreds of times.
RATEBENCH_GC_THRESHOLD = [50_000, 20, 10]

# Where the crawl writes; None means --db, else RATEBENCH_DB, else data/ratebench.duckdb.
RATEBENCH_DB = None

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

# Spidermon (scrapers/monitors.py): CrawlBaseline reads the previous good run's plan counts at
# open and counts this run's; the close suite's results land in stats["ratebench/monitors"]
# and a competitor whose plans fell by more than half in stats["ratebench/degraded_competitors"].
SPIDERMON_ENABLED = True
EXTENSIONS = {
    "scrapers.extensions.GarbageCollectorTuning": 100,
    "scrapers.extensions.ScrapyLogLevel": 110,
    "scrapers.monitors.CrawlBaseline": 400,
    "spidermon.contrib.scrapy.extensions.Spidermon": 500,
}
SPIDERMON_SPIDER_CLOSE_MONITORS = ["scrapers.monitors.RatesCloseMonitorSuite"]
