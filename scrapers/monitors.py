"""Spidermon monitors for the `rates` crawl, and the extension that feeds them.

`CrawlBaseline` (a Scrapy extension) reads, when the spider opens, the plan counts per competitor
of the previous good (`ok`) run from DuckDB with a short read-only connection closed at once, so
the crawl's own writes are never blocked; while the crawl runs it counts plans per competitor and
page outcomes into the stats.

`RatesCloseMonitorSuite` runs on spider close (before the store pipeline writes the run, since
extensions connect to `spider_closed` first; the runner writes the monitors again when it
finalizes the run). Its `StoreMonitorResults` action puts every monitor's outcome into
stats["ratebench/monitors"] ({monitor: {"status": passed|failed|skipped|error, "message"}}); the
plan-drop monitor adds each competitor whose plans fell by more than half to
stats["ratebench/degraded_competitors"], which makes the run `degraded`.
"""

from __future__ import annotations

import logging
import warnings
from collections import Counter
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import ScrapyDeprecationWarning
from spidermon import Monitor, MonitorSuite, monitors
from spidermon.core.actions import Action

from benchmark.store import StoreLocked, connection, resolve_db_path
from scrapers.items import FetchRecord

logger = logging.getLogger(__name__)

# Spidermon logs its results through Spider.log(), which Scrapy deprecates: a warning on every
# crawl that is Spidermon's to fix and says nothing about the crawl.
warnings.filterwarnings(
    "ignore", message=r"Spider\.log\(\) is deprecated", category=ScrapyDeprecationWarning
)

BASELINE_RUN = "ratebench/baseline_run"
BASELINE_PLANS = "ratebench/baseline_plans"
PLANS_PER_COMPETITOR = "ratebench/plans_per_competitor"
FETCHES_OK = "ratebench/fetches_ok"
FETCHES_FAILED = "ratebench/fetches_failed"
FETCHES_SKIPPED = "ratebench/fetches_skipped"
FETCH_STATUS = "ratebench/fetch_status"
DEGRADED = "ratebench/degraded_competitors"
MONITORS = "ratebench/monitors"
FIELD_COUNTS = "ratebench/plan_field_counts"

# Share of the previous good run's plans below which a competitor counts as degraded.
DEFAULT_MIN_PLAN_SHARE = 0.5
# Minimum share of stored plans that carry each field (a quote plan has no price).
DEFAULT_FIELD_COVERAGE = {"name": 0.5, "currency": 1.0, "unit": 1.0, "evidence": 1.0, "price": 0.5}

BASELINE_SQL = (
    "SELECT run_id FROM crawl_runs WHERE status = 'ok' AND run_id <> ? "
    "ORDER BY started_at DESC LIMIT 1"
)
PLAN_COUNTS_SQL = (
    "SELECT competitor_id, count(*) FROM observations WHERE run_id = ? GROUP BY competitor_id"
)


class CrawlBaseline:
    """Scrapy extension: the previous good run's plan counts, and this run's counts."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.plans: Counter[str] = Counter()
        self.fields: Counter[str] = Counter()
        self.statuses: Counter[str] = Counter()
        # Scrapy holds receivers weakly: connect bound methods of this kept object.
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlBaseline:
        return cls(crawler)

    @property
    def stats(self) -> Any:
        return self.crawler.stats

    def spider_opened(self, spider: Any) -> None:
        db = resolve_db_path(getattr(spider, "db", None) or self.crawler.settings.get("RATEBENCH_DB"))
        run_id = str(getattr(spider, "run_id", ""))
        # The live counters themselves: item_scraped updates them in place, so the stats stay
        # current without copying a dict of every competitor on each item.
        self.stats.set_value(PLANS_PER_COMPETITOR, self.plans)
        self.stats.set_value(FIELD_COUNTS, self.fields)
        self.stats.set_value(FETCH_STATUS, self.statuses)
        if not db.exists():
            return
        try:
            # Read-only and closed before the crawl's final write.
            with connection(db, read_only=True, timeout_s=10) as con:
                row = con.execute(BASELINE_SQL, [run_id]).fetchone()
                counts = con.execute(PLAN_COUNTS_SQL, [row[0]]).fetchall() if row else []
        except (StoreLocked, OSError) as exc:
            logger.warning("no baseline for the plan-drop monitor: %s", exc)
            return
        if row:
            self.stats.set_value(BASELINE_RUN, row[0])
            self.stats.set_value(BASELINE_PLANS, {cid: int(n) for cid, n in counts})

    def item_scraped(self, item: Any) -> None:
        if not isinstance(item, FetchRecord):
            return
        if item.skipped:  # refused by robots.txt: our policy, not an HTTP error
            self.stats.inc_value(FETCHES_SKIPPED)
            return
        self.stats.inc_value(FETCHES_OK if item.ok else FETCHES_FAILED)
        self.statuses[str(item.status) if item.status is not None else "none"] += 1
        for plan in item.plans:  # the plans that passed the pipelines
            self.plans[plan.competitor_id] += 1
            self.fields["_plans"] += 1
            for name in DEFAULT_FIELD_COVERAGE:
                if getattr(plan, name, None) not in (None, ""):
                    self.fields[name] += 1


def _selected_competitors(data: Any) -> list[str]:
    spider = data.get("spider") if hasattr(data, "get") else None
    return [c.id for c in getattr(spider, "competitors", []) or []]


@monitors.name("plans per competitor")
class PlanDropMonitor(Monitor):
    """Plans per competitor against the previous good run."""

    longMessage = False  # the message alone, not the repr of the asserted value

    @monitors.name("no competitor lost more than half of its plans")
    def test_plan_drop(self) -> None:
        baseline: dict[str, int] | None = self.data.stats.get(BASELINE_PLANS)
        if not baseline:
            self.skipTest("no previous good run to compare with")
        settings = self.data.crawler.settings
        min_share = settings.getfloat("RATEBENCH_MIN_PLAN_SHARE", DEFAULT_MIN_PLAN_SHARE)
        current: dict[str, int] = self.data.stats.get(PLANS_PER_COMPETITOR) or {}
        selected = _selected_competitors(self.data) or sorted(baseline)
        drops = {
            cid: (baseline[cid], current.get(cid, 0))
            for cid in selected
            if baseline.get(cid) and current.get(cid, 0) < baseline[cid] * min_share
        }
        if drops:
            degraded = set(self.data.stats.get(DEGRADED) or []) | set(drops)
            self.data.crawler.stats.set_value(DEGRADED, sorted(degraded))
        described = ", ".join(f"{cid} {old} -> {new}" for cid, (old, new) in sorted(drops.items()))
        self.assertFalse(
            drops,
            f"plans fell below {min_share:.0%} of run {self.data.stats.get(BASELINE_RUN)}: "
            f"{described}",
        )


@monitors.name("field coverage")
class FieldCoverageMonitor(Monitor):
    """Share of stored plans that carry each contract field."""

    longMessage = False  # the message alone, not the repr of the asserted value

    @monitors.name("plan fields are filled")
    def test_field_coverage(self) -> None:
        counts: dict[str, int] = self.data.stats.get(FIELD_COUNTS) or {}
        total = counts.get("_plans", 0)
        if not total:
            self.skipTest("no plans scraped")
        wanted = self.data.crawler.settings.getdict(
            "RATEBENCH_FIELD_COVERAGE", DEFAULT_FIELD_COVERAGE
        )
        low = {
            name: counts.get(name, 0) / total
            for name, minimum in wanted.items()
            if counts.get(name, 0) / total < float(minimum)
        }
        described = ", ".join(f"{name} {share:.0%} < {float(wanted[name]):.0%}"
                              for name, share in sorted(low.items()))
        self.assertFalse(low, f"field coverage over {total} plans: {described}")


@monitors.name("http errors")
class HttpErrorsMonitor(Monitor):
    """4xx/5xx answers, download exceptions and retries."""

    longMessage = False  # the message alone, not the repr of the asserted value

    @monitors.name("no pricing page failed")
    def test_failed_pages(self) -> None:
        stats = self.data.stats
        failed = int(stats.get(FETCHES_FAILED) or 0)
        ok = int(stats.get(FETCHES_OK) or 0)
        statuses = stats.get(FETCH_STATUS) or {}
        errors = {k: v for k, v in statuses.items() if k == "none" or int(k) >= 400}
        retries = int(stats.get("retry/count") or 0)
        gave_up = int(stats.get("retry/max_reached") or 0)
        self.assertEqual(
            failed, 0,
            f"{failed} of {failed + ok} pages failed (final status {errors}); "
            f"{retries} retries, {gave_up} gave up",
        )

    @monitors.name("no errors logged")
    def test_log_errors(self) -> None:
        errors = int(self.data.stats.get("log_count/ERROR") or 0)
        self.assertEqual(errors, 0, f"{errors} errors logged")


@monitors.name("finish reason")
class FinishReasonMonitor(Monitor):
    """The spider must finish by itself, not by shutdown, timeout or exception."""

    longMessage = False  # the message alone, not the repr of the asserted value

    @monitors.name("spider finished")
    def test_finish_reason(self) -> None:
        reason = self.data.stats.get("finish_reason")
        self.assertEqual(reason, "finished", f"finish reason {reason!r}")


class StoreMonitorResults(Action):
    """Copy every monitor's outcome into stats["ratebench/monitors"] for the crawl run."""

    STATUS_WORDS = {"OK": "passed", "FAIL": "failed", "SKIPPED": "skipped", "ERROR": "error"}

    def run_action(self) -> None:
        results: dict[str, dict[str, str | None]] = {}
        for item in self.result.monitor_results:
            monitor = item.item
            status = self.STATUS_WORDS.get(item.status, str(item.status).lower())
            message = item.reason
            if status == "error" and item.error:
                message = item.error.strip().splitlines()[-1]
            results[monitor.name] = {"status": status, "message": message or None}
        stats = self.data.crawler.stats
        stats.set_value(MONITORS, results)
        failed = [name for name, r in results.items() if r["status"] in ("failed", "error")]
        for name in failed:
            logger.warning("monitor failed: %s: %s", name, results[name]["message"])


class RatesCloseMonitorSuite(MonitorSuite):
    """Everything checked when the `rates` spider closes."""

    monitors = [PlanDropMonitor, FieldCoverageMonitor, HttpErrorsMonitor, FinishReasonMonitor]
    monitors_finished_actions = [StoreMonitorResults]
