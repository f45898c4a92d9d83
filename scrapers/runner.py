"""Run the `rates` crawl in this process and judge it (`scrapy crawl` exits 0 whatever happens).

The Twisted reactor cannot restart, so `run_crawl` works once per process: a scheduler or a
test runs `ratebench crawl` in a child process.
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from scrapy import signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings

from benchmark import writer
from benchmark.store import resolve_db_path
from scrapers.items import FetchRecord
from scrapers.registry import DEFAULT_REGISTRY, load_registry
from scrapers.spiders.rates import RatesSpider, new_run_id, parse_instant, select_competitors

STATUSES = ("ok", "degraded", "failed")


def judge_run(
    *,
    finish_reason: str | None,
    pages_ok: int,
    pages_failed: int,
    competitors_without_plans: Sequence[str],
    degraded_competitors: Sequence[str] = (),
    write_error: str | None = None,
) -> str:
    """`failed` (no good page, unfinished, or not stored), `degraded` (some page failed, a
    competitor yielded no plans, or a monitor flagged one), else `ok`."""
    if write_error or finish_reason != "finished" or pages_ok == 0:
        return "failed"
    if pages_failed or competitors_without_plans or degraded_competitors:
        return "degraded"
    return "ok"


@dataclass
class CrawlOutcome:
    """What a crawl did, as the command line reports it."""

    run_id: str
    db: str
    status: str
    finish_reason: str | None
    pages_ok: int
    pages_failed: int
    plans: int
    rejects: int
    seconds: float
    errors: list[str] = field(default_factory=list)
    stats: Mapping[str, Any] = field(default_factory=dict)
    # Pages not fetched by policy (robots.txt), "competitor url: reason": not failures.
    skipped: list[str] = field(default_factory=list)
    # CPU over the same span as `seconds`: this process's, and that of the child processes the
    # crawl started and reaped (extraction workers).
    cpu_seconds: float = 0.0
    child_cpu_seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        return 0 if self.status == "ok" else 1


def crawl_settings(overrides: Mapping[str, Any] | None = None) -> Settings:
    """The project settings (scrapers/settings.py) plus command-line overrides."""
    settings = Settings()
    settings.setmodule("scrapers.settings", priority="project")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


class _Progress:
    """One line per fetched page on a stream, so a long crawl shows it is alive."""

    def __init__(self, crawler: Crawler, total: int, stream: TextIO) -> None:
        self.total = total
        self.done = 0
        self.stream = stream
        # Scrapy holds receivers weakly: connect a bound method of an object we keep.
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)

    def item_scraped(self, item: Any) -> None:
        if not isinstance(item, FetchRecord):
            return
        self.done += 1
        outcome = f"{item.plans_found} plans" if item.ok else f"FAILED ({item.error})"
        print(
            f"[{self.done}/{self.total}] {item.competitor_id:<22} {item.url}  {outcome}",
            file=self.stream,
            flush=True,
        )


def run_crawl(
    *,
    mirror: str | None = None,
    competitor_ids: Sequence[str] = (),
    db: str | None = None,
    fetched_at: str | None = None,
    registry: str | None = None,
    settings: Mapping[str, Any] | None = None,
    run_id: str | None = None,
    progress: TextIO | None = sys.stderr,
) -> CrawlOutcome:
    """Crawl the registry (or the named competitors) into `db` and return the judged outcome.

    Raises ValueError (UnknownCompetitor, bad fetched_at, registry errors) before any write.
    """
    registry_path = registry or str(DEFAULT_REGISTRY)
    entries = load_registry(registry_path)
    chosen = select_competitors(entries, list(competitor_ids))
    if fetched_at:
        parse_instant(fetched_at)
    db_path = str(resolve_db_path(db))
    run_id = run_id or new_run_id()
    crawl = crawl_settings(settings)
    process = CrawlerProcess(crawl)
    crawler = process.create_crawler(RatesSpider)
    keep_alive = None
    if progress is not None:
        keep_alive = _Progress(crawler, sum(len(c.pricing_urls) for c in chosen), progress)
    started, cpu_started = time.monotonic(), _cpu_seconds()
    process.crawl(
        crawler,
        mirror=mirror,
        competitors=",".join(competitor_ids) or None,
        db=db_path,
        fetched_at=fetched_at,
        run_id=run_id,
        registry=registry_path,
        registry_entries=entries,
    )
    process.start()
    seconds = time.monotonic() - started
    cpu = tuple(after - before for after, before in zip(_cpu_seconds(), cpu_started, strict=True))
    del keep_alive
    stats = dict(crawler.stats.get_stats()) if crawler.stats else {}
    outcome = _finalize(run_id, db_path, stats, seconds)
    outcome.cpu_seconds, outcome.child_cpu_seconds = cpu
    return outcome


def _cpu_seconds() -> tuple[float, float]:
    """User plus system CPU seconds of this process, and of its reaped children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def _finalize(run_id: str, db: str, stats: dict[str, Any], seconds: float) -> CrawlOutcome:
    """Judge the run from its final stats (monitors included) and record the verdict."""
    degraded = list(stats.get("ratebench/degraded_competitors") or [])
    without_plans = list(stats.get("ratebench/competitors_without_plans") or [])
    failed = list(stats.get("ratebench/failed_competitors") or [])
    stored = bool(stats.get("ratebench/stored"))
    write_error = stats.get("ratebench/write_error") or (None if stored else "run was not stored")
    status = judge_run(
        finish_reason=stats.get("finish_reason"),
        pages_ok=int(stats.get("ratebench/pages_ok") or 0),
        pages_failed=int(stats.get("ratebench/pages_failed") or 0),
        competitors_without_plans=without_plans,
        degraded_competitors=degraded,
        write_error=write_error,
    )
    if stats.get("ratebench/run_id"):  # the start write happened: the run row exists
        writer.finalize_run(
            db,
            run_id,
            status=status,
            finish_reason=stats.get("finish_reason"),
            stats=stats,
            monitors=stats.get("ratebench/monitors"),
            degraded_competitors=sorted(set(degraded) | set(without_plans) | set(failed)),
        )
    errors = list(stats.get("ratebench/errors") or [])
    if write_error:
        errors.append(f"store: {write_error}")
    return CrawlOutcome(
        run_id=run_id,
        db=db,
        status=status,
        finish_reason=stats.get("finish_reason"),
        pages_ok=int(stats.get("ratebench/pages_ok") or 0),
        pages_failed=int(stats.get("ratebench/pages_failed") or 0),
        plans=int(stats.get("ratebench/plans_stored") or 0),
        rejects=int(stats.get("ratebench/rejects") or 0),
        seconds=seconds,
        errors=errors,
        stats=stats,
        skipped=list(stats.get("ratebench/skipped") or []),
    )
