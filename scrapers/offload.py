"""Extraction off the reactor thread: a small process pool the `rates` spider awaits.

Extraction is pure CPU (lxml, regexes), so on the reactor thread it stalls every download
while it runs. In a worker process it runs on another core while the reactor keeps fetching;
a thread would not help (the GIL). The worker also compresses the page for the evidence
store, the other per-page CPU job. Small crawls stay inline: starting a worker costs about a
second, more than it saves on a few hundred pages (see RATEBENCH_EXTRACT_POOL_MIN_PAGES).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from typing import TYPE_CHECKING, Any

from benchmark.evidence import page_row

if TYPE_CHECKING:
    from scrapers.extraction import Extraction

logger = logging.getLogger(__name__)


def _init_worker() -> None:
    """Leave Ctrl-C to the crawl (it shuts down cleanly) and load extraction once, up front."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import scrapers.extraction  # noqa: F401 - the import is the warm-up


def _read_page(
    html: str,
    url: str,
    country: str | None,
    currency: str | None,
    evidence: tuple[str, bytes, datetime],
) -> tuple[Extraction, dict[str, Any]]:
    """The page's plans and its `pages` row; `evidence` is (content hash, body, fetched at)."""
    from scrapers.extraction import extract_plans

    extraction = extract_plans(html, url, country=country, currency=currency)
    return extraction, page_row(*evidence)


def _ready() -> bool:
    return True


def peak_rss_mb(pid: int | str = "self") -> float | None:
    """A live process's peak resident memory, MB (VmHWM: unlike ru_maxrss, not carried over
    from the parent across fork and exec); None once it has exited or where /proc is missing."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


class Extractor:
    """`extract_plans` inline, or in `workers` spawned processes once there are enough pages."""

    def __init__(self, workers: int) -> None:
        self.workers = max(0, workers)
        self.pool: ProcessPoolExecutor | None = None

    def start(self) -> None:
        """Start the workers now, so they load while the first pages download."""
        if self.workers and self.pool is None:
            # spawn, not fork: the crawl process has threads (DuckDB, Twisted's pool) by now.
            context = multiprocessing.get_context("spawn")
            self.pool = ProcessPoolExecutor(
                self.workers, mp_context=context, initializer=_init_worker
            )
            self.pool.submit(_ready)

    async def read_page(
        self,
        html: str,
        url: str,
        *,
        country: str | None,
        currency: str | None,
        evidence: tuple[str, bytes, datetime],
    ) -> tuple[Extraction, dict[str, Any]]:
        """The page's plans and its compressed `pages` row (`evidence`: content hash, raw
        body, fetched at); raises what extraction raises (the spider records it)."""
        if self.pool is None:
            return _read_page(html, url, country, currency, evidence)
        pool = self.pool
        try:
            return await asyncio.wrap_future(
                pool.submit(_read_page, html, url, country, currency, evidence)
            )
        except BrokenProcessPool:
            # A worker died (killed, or crashed inside lxml): the pages it held fail, later
            # ones get a fresh pool instead of failing with it (replaced once per breakage).
            if self.pool is pool:
                logger.error("extraction worker died on %s; starting a new one", url)
                self.close(wait=False)
                self.start()
            raise

    def workers_peak_rss_mb(self) -> float | None:
        """The workers' peak memory, summed (None inline or where /proc is missing)."""
        if self.pool is None:
            return None
        # The pool's workers are this process's multiprocessing children (it starts no other).
        peaks = [peak_rss_mb(p.pid) for p in multiprocessing.active_children() if p.pid]
        known = [p for p in peaks if p is not None]
        return sum(known) if known else None

    def close(self, *, wait: bool = True) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=wait, cancel_futures=True)
            self.pool = None
