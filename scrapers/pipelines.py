"""Item pipelines, one job each: normalize plans, validate them, drop duplicates, store.

Each item is a page's `FetchRecord` with the plans read from it. A plan that fails
normalization or validation is dropped from the page with `RejectedPlan` (its message names
competitor, URL, plan and problem), logged, and kept in the page's `rejected` list, which the
store writes to the `rejects` table; a duplicate is dropped with `DuplicatePlan`. The page
itself always goes on to the store: it is evidence whatever its plans turn out to be.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, fields
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from benchmark import writer
from benchmark.evidence import page_row
from benchmark.model import CURRENCIES, INT_FIELDS, MONEY_FIELDS, UNITS
from benchmark.store import resolve_db_path
from scrapers import signals as crawl_signals
from scrapers.items import FetchRecord, PlanObservation

logger = logging.getLogger(__name__)

FOUR_PLACES = Decimal("0.0001")
CURRENCY_SYMBOLS = {"$": None, "US$": "USD", "£": "GBP", "€": "EUR", "C$": "CAD", "A$": "AUD"}
UNIT_ALIASES = {
    "mo": "month",
    "monthly": "month",
    "per_month": "month",
    "min": "minute",
    "per_minute": "minute",
    "per_call": "call",
    "seat": "seat_month",
    "per_seat_month": "seat_month",
    "hour": "agent_hour",
    "per_agent_hour": "agent_hour",
    "custom": "quote",
}
# A price outside these bounds for its unit is a misread, not an offer (inclusive, in the
# plan's own currency; the widest currency here is USD-like, so no FX is needed).
SANE_PRICE: dict[str, tuple[Decimal, Decimal]] = {
    "month": (Decimal("0"), Decimal("50000")),
    "minute": (Decimal("0.01"), Decimal("25")),
    "call": (Decimal("0.05"), Decimal("100")),
    "seat_month": (Decimal("50"), Decimal("50000")),
    "agent_hour": (Decimal("1"), Decimal("500")),
}


class DroppedPlan(ValueError):
    """A plan a pipeline takes off its page; the message says which plan and why."""


class RejectedPlan(DroppedPlan):
    """A plan that cannot be stored as a price; the store keeps it in `rejects`."""


class DuplicatePlan(DroppedPlan):
    """A plan already seen for this competitor in this run."""


def _reject(item: PlanObservation, problem: str) -> RejectedPlan:
    return RejectedPlan(f"{item.describe()}: {problem}")


def screen_plans(item: Any, check: Callable[[PlanObservation], PlanObservation]) -> Any:
    """Run `check` over a page's plans and keep those it passes. A rejected plan moves to the
    page's `rejected` (stored in `rejects`); a duplicate is only logged."""
    if not isinstance(item, FetchRecord) or not item.plans:
        return item
    kept: list[PlanObservation] = []
    for plan in item.plans:
        try:
            kept.append(check(plan))
        except RejectedPlan as exc:
            logger.warning("Dropped plan: %s", exc)
            item.rejected.append((plan, str(exc)))
        except DuplicatePlan as exc:
            logger.info("Dropped plan: %s", exc)
    item.plans = kept
    return item


class NormalizePlanPipeline:
    """Decimal amounts (4 places), ISO currency, the contract's units, collapsed whitespace."""

    def process_item(self, item: Any) -> Any:
        return screen_plans(item, self.normalize)

    def normalize(self, item: PlanObservation) -> PlanObservation:
        """The plan with its values in the contract's form; RejectedPlan if one cannot be."""
        for key in MONEY_FIELDS:
            value = getattr(item, key)
            if value is None:
                continue
            try:
                amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
                setattr(item, key, amount.quantize(FOUR_PLACES))
            except (InvalidOperation, ValueError):
                raise _reject(item, f"{key} {value!r} is not a number") from None
        for key in INT_FIELDS:
            value = getattr(item, key)
            if value is None:
                continue
            try:
                setattr(item, key, int(value))
            except (TypeError, ValueError):
                raise _reject(item, f"{key} {value!r} is not a whole number") from None
        if isinstance(item.unit, str):
            unit = re.sub(r"[\s/-]+", "_", item.unit.strip().lower())
            item.unit = UNIT_ALIASES.get(unit, unit)
        if item.currency is None and item.unit == "quote":
            # A quote shows no amount; it is still an offer in the competitor's currency.
            item.currency = item.registry_currency
        if isinstance(item.currency, str):
            currency = item.currency.strip()
            currency = CURRENCY_SYMBOLS.get(currency, currency) or currency
            item.currency = currency.upper()
        if item.name:
            item.name = " ".join(item.name.split())
        if item.evidence:
            item.evidence = " ".join(item.evidence.split())
        return item


class ValidatePlanPipeline:
    """Known currency and unit, a price unless quote-only, sane amounts, evidence present."""

    def process_item(self, item: Any) -> Any:
        return screen_plans(item, self.validate)

    def validate(self, item: PlanObservation) -> PlanObservation:
        """The plan, if it can be stored as a price; RejectedPlan naming the problem if not."""
        if item.currency not in CURRENCIES:
            raise _reject(item, f"unknown currency {item.currency!r}")
        if item.unit not in UNITS:
            raise _reject(item, f"unknown unit {item.unit!r}")
        if item.unit == "quote":
            if item.price is not None:
                raise _reject(item, f"quote-only plan carries a price {item.price}")
        elif item.price is None:
            raise _reject(item, f"no price for unit {item.unit!r}")
        for key in MONEY_FIELDS:
            value = getattr(item, key)
            if value is not None and value < 0:
                raise _reject(item, f"{key} is negative ({value})")
        if item.price is not None:
            low, high = SANE_PRICE[item.unit]
            if not low <= item.price <= high:
                raise _reject(
                    item,
                    f"price {item.price} {item.currency} per {item.unit} is outside the sane "
                    f"range {low}..{high}",
                )
        for key in INT_FIELDS:
            value = getattr(item, key)
            if value is not None and value < 0:
                raise _reject(item, f"{key} is negative ({value})")
        if not item.evidence or not item.evidence.strip():
            raise _reject(item, "no evidence text")
        return item


class DeduplicatePlanPipeline:
    """One observation per plan per competitor per run, even when two pages show it."""

    def __init__(self) -> None:
        self.seen: dict[tuple[object, ...], str] = {}

    def process_item(self, item: Any) -> Any:
        return screen_plans(item, self.check)

    def check(self, item: PlanObservation) -> PlanObservation:
        """The plan, the first time it is seen for its competitor; DuplicatePlan after that."""
        key = (item.competitor_id, *item.contract_key())
        if key in self.seen:
            raise DuplicatePlan(
                f"{item.describe()}: duplicate of the same plan on {self.seen[key]}"
            )
        self.seen[key] = item.url
        return item


def competitor_row(competitor: Any) -> dict[str, Any]:
    """A registry Competitor as a `competitors` table row."""
    return {
        "competitor_id": competitor.id,
        "name": competitor.name,
        "website": competitor.website,
        "country": competitor.country,
        "currency": competitor.currency,
        "delivery": competitor.delivery,
        "service_type": competitor.service_type,
        "verticals": list(competitor.verticals),
        "pricing_urls": list(competitor.pricing_urls),
        "billing_increment_seconds": competitor.billing_increment_seconds,
        "billing_notes": competitor.billing_notes,
        "render": competitor.render,
    }


def _plan_json(item: PlanObservation) -> str:
    skip = {"fetched_at", "registry_currency"}
    return writer.to_json({k: v for k, v in asdict(item).items() if k not in skip})


def _reject_row(item: PlanObservation, reason: str) -> dict[str, Any]:
    """A rejected plan as a `rejects` row: the plan kept whole as JSON, and why."""
    return {
        "competitor_id": item.competitor_id,
        "url": item.url,
        "fetched_at": item.fetched_at,
        "content_hash": item.content_hash,
        "plan_name": item.name,
        "reason": reason,
        "plan": _plan_json(item),
    }


class StorePipeline:
    """Keep the run's fetches, pages (compressed), plans and rejects; store them in one
    transaction (benchmark.writer.RunWrite).

    The start write (running row, competitors) happens when the spider opens. The final write
    begins once every page is fetched (`pages_fetched`): the rows so far are staged then, later
    ones every STAGE_EVERY pages, while the last pages are read and this process has little else
    to do. It commits on `spider_closed`, once the finish reason is known. A crawl stopped
    early begins its write at close.
    """

    # Pages whose rows are gathered before they go into a begun write: one appender call per
    # table for many pages, not for each.
    STAGE_EVERY = 50

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.fetches: list[dict[str, Any]] = []  # `fetches` rows
        self.observations: list[PlanObservation] = []
        self.rejects: list[tuple[PlanObservation, str]] = []
        # Page rows (body compressed), each content hash once: a page is stored once.
        self.pages: list[dict[str, Any]] = []
        self.page_hashes: set[str] = set()
        self.db: str | None = None
        self.started = False
        self.write: writer.RunWrite | None = None
        # How many of pages, fetches, observations and rejects are staged in `write`.
        self.staged = (0, 0, 0, 0)
        crawler.signals.connect(self.pages_fetched, signal=crawl_signals.pages_fetched)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    @property
    def spider(self) -> Spider:
        spider = self.crawler.spider
        assert spider is not None
        return spider

    def open_spider(self) -> None:
        spider = self.spider
        self.db = str(
            resolve_db_path(getattr(spider, "db", None) or self.crawler.settings.get("RATEBENCH_DB"))
        )
        competitors = getattr(spider, "competitors", [])
        interrupted = writer.start_run(
            self.db,
            run_id=spider.run_id,
            started_at=spider.started_at,
            mirror=getattr(spider, "mirror", None),
            competitor_ids=[c.id for c in competitors],
            competitors=[competitor_row(c) for c in competitors],
            as_of=getattr(spider, "fetched_at", None),
        )
        self.started = True
        stats = self.crawler.stats
        assert stats is not None
        stats.set_value("ratebench/run_id", spider.run_id)
        stats.set_value("ratebench/db", self.db)
        if interrupted:
            stats.set_value("ratebench/interrupted_runs", interrupted)
            spider.logger.warning("marked runs left running as failed: %s", ", ".join(interrupted))

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, FetchRecord):
            return item
        if item.content_hash and item.body is not None and item.content_hash not in self.page_hashes:
            self.pages.append(page_row(item.content_hash, item.body, item.fetched_at))
            self.page_hashes.add(item.content_hash)
        # The page is kept compressed (above); holding every raw body until the run ends
        # would grow memory with the crawl. The item itself still carries its body on.
        self.fetches.append(_row(item, skip=FETCH_ONLY_IN_ITEM))
        self.observations.extend(item.plans)
        self.rejects.extend(item.rejected)
        if self.write is not None and len(self.fetches) - self.staged[1] >= self.STAGE_EVERY:
            self._stage_new_rows()
        return item

    def pages_fetched(self) -> None:
        """Every page is fetched: begin the final write and stage the rows so far."""
        if not self.started or self.write is not None:
            return
        try:
            self.write = writer.RunWrite(self.db, self.spider.run_id)
        except Exception as exc:  # noqa: BLE001 - tried again at close, where it fails the run
            logger.warning("could not begin the store's write early, will at close: %s", exc)
            return
        self.crawler.stats.set_value("ratebench/write_begun_at_page", len(self.fetches))  # type: ignore[union-attr]
        self._stage_new_rows()

    def _stage_new_rows(self) -> None:
        """Stage the rows gathered since the last call; on failure drop the begun write (it
        rolled back), so that the write at close starts over with every row."""
        assert self.write is not None
        try:
            self._stage_into(self.write)
        except Exception as exc:  # noqa: BLE001 - tried again at close, where it fails the run
            logger.warning("could not stage rows early, will write them all at close: %s", exc)
            self.write.abort()
            self.write = None
            self.staged = (0, 0, 0, 0)

    def _stage_into(self, write: writer.RunWrite) -> None:
        pages, fetches, observations, rejects = self.staged
        write.stage(
            pages=self.pages[pages:],
            fetches=self.fetches[fetches:],
            observations=map(_observation_row, self.observations[observations:]),
            rejects=(_reject_row(o, message) for o, message in self.rejects[rejects:]),
        )
        self.staged = (len(self.pages), len(self.fetches), len(self.observations),
                       len(self.rejects))  # fmt: skip

    def judge(self, reason: str) -> tuple[writer.RunVerdict, list[str]]:
        """The run's verdict, and the competitors whose observations are withheld: those with
        a failed page, so that their previous observations stand whole."""
        from scrapers.runner import judge_run

        stats = self.crawler.stats
        assert stats is not None
        failed = [f for f in self.fetches if not f["ok"] and not f["skipped"]]
        skipped = [f for f in self.fetches if f["skipped"]]
        failed_competitors = sorted({f["competitor_id"] for f in failed})
        withheld = set(failed_competitors)
        plans_per_competitor: dict[str, int] = defaultdict(int)
        for obs in self.observations:
            if obs.competitor_id not in withheld:
                plans_per_competitor[obs.competitor_id] += 1
        kept = sum(plans_per_competitor.values())
        selected = [c.id for c in getattr(self.spider, "competitors", [])]
        # A competitor whose every page robots.txt refused is skipped by policy: it has no
        # plans this run, and that is not a failure (its earlier observations stand).
        fetched = {f["competitor_id"] for f in self.fetches if not f["skipped"]}
        only_skipped = {f["competitor_id"] for f in skipped} - fetched
        without_plans = sorted(
            c for c in selected if not plans_per_competitor.get(c) and c not in only_skipped
        )
        from_monitors = list(stats.get_value("ratebench/degraded_competitors") or [])
        degraded = sorted(set(failed_competitors) | set(without_plans) | set(from_monitors))
        pages_ok = sum(1 for f in self.fetches if f["ok"])
        pages_failed = len(failed)
        status = judge_run(
            finish_reason=reason,
            pages_ok=pages_ok,
            pages_failed=pages_failed,
            competitors_without_plans=without_plans,
            degraded_competitors=from_monitors,
        )
        errors = [f"{f['competitor_id']} {f['url']}: {f['error']}" for f in failed if f["error"]]
        errors += [f"{c}: no plans stored" for c in without_plans if c not in failed_competitors]
        for key, value in {
            "ratebench/status": status,
            "ratebench/pages_ok": pages_ok,
            "ratebench/pages_failed": pages_failed,
            "ratebench/pages_skipped": len(skipped),
            "ratebench/skipped": [f"{f['competitor_id']} {f['url']}: {f['error']}" for f in skipped],
            "ratebench/plans_stored": kept,
            "ratebench/plans_withheld": len(self.observations) - kept,
            "ratebench/rejects": len(self.rejects),
            "ratebench/competitors_without_plans": without_plans,
            "ratebench/failed_competitors": failed_competitors,
            "ratebench/errors": errors,
        }.items():
            stats.set_value(key, value)
        verdict = writer.RunVerdict(
            finished_at=datetime.now(UTC),
            status=status,
            finish_reason=reason,
            pages_ok=pages_ok,
            pages_failed=pages_failed,
            pages_skipped=len(skipped),
            plans=kept,
            rejects=len(self.rejects),
            errors=errors,
            stats=stats.get_stats(),
            monitors=stats.get_value("ratebench/monitors"),
            degraded_competitors=degraded,
        )
        return verdict, failed_competitors

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if not self.started:
            return
        verdict, withheld = self.judge(reason)
        write, self.write = self.write, None
        try:
            if write is None:
                write = writer.RunWrite(self.db, spider.run_id)
            self._stage_into(write)
            write.commit(verdict, withheld_competitors=withheld)
        except Exception as exc:
            # The runner sees this and fails the run; the transaction left nothing behind.
            if write is not None:
                write.abort()
            spider.logger.exception("could not store run %s", spider.run_id)
            self.crawler.stats.set_value("ratebench/write_error", f"{type(exc).__name__}: {exc}")  # type: ignore[union-attr]
            return
        self.crawler.stats.set_value("ratebench/stored", True)  # type: ignore[union-attr]
        spider.logger.info(
            "stored run %s: %s, %d pages ok, %d failed, %d plans, %d rejects",
            spider.run_id,
            verdict.status,
            verdict.pages_ok,
            verdict.pages_failed,
            verdict.plans,
            verdict.rejects,
        )


# FetchRecord fields that are not `fetches` columns: the body is stored in `pages`, the plans
# in `observations` and `rejects`.
FETCH_ONLY_IN_ITEM = frozenset({"body", "plans", "rejected"})


def _row(item: Any, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A flat dataclass as a dict, without asdict's deep copy: the writer only reads the
    values (the appender copies them), and at thousands of items the copy counts."""
    return {name: getattr(item, name) for name in _field_names(type(item)) if name not in skip}


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    """A dataclass's field names (dataclasses.fields builds its tuple on every call)."""
    return tuple(f.name for f in fields(cls))


def _observation_row(item: PlanObservation) -> dict[str, Any]:
    row = _row(item)
    row["plan_name"] = row.pop("name")
    return row


__all__ = [
    "DeduplicatePlanPipeline",
    "DroppedPlan",
    "DuplicatePlan",
    "NormalizePlanPipeline",
    "RejectedPlan",
    "StorePipeline",
    "ValidatePlanPipeline",
]
