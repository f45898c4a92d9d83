"""The store pipeline's final write: begun when every page is fetched, committed at close."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler

from scrapers import signals as crawl_signals
from scrapers.items import FetchRecord, PlanObservation
from scrapers.pipelines import StorePipeline
from scrapers.spiders.rates import RatesSpider
from tests.crawl.conftest import query

FETCHED = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


def page(n: int, price: Decimal = Decimal("250")) -> FetchRecord:
    url = f"https://www.ruby.com/pricing/{n}"
    digest = f"{n:064x}"
    plan = PlanObservation(competitor_id="ruby", url=url, final_url=url, fetched_at=FETCHED,
                           content_hash=digest, name=f"Plan {n}", price=price, currency="USD",
                           unit="month", evidence=f"${price}/mo")  # fmt: skip
    return FetchRecord(competitor_id="ruby", url=url, final_url=url, status=200,
                       fetched_at=FETCHED, content_hash=digest, body=f"<p>{n}</p>".encode(),
                       ok=True, plans_found=1, plans=[plan])  # fmt: skip


def opened(db: Path) -> tuple[Crawler, StorePipeline]:
    crawler = get_crawler(RatesSpider)
    crawler.spider = RatesSpider.from_crawler(crawler, competitors="ruby", db=str(db))
    store = StorePipeline.from_crawler(crawler)
    store.open_spider()
    return crawler, store


def test_rows_staged_before_and_after_pages_fetched_are_stored_once(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    crawler, store = opened(db)
    for n in range(30):
        store.process_item(page(n))
    crawler.signals.send_catch_log(signal=crawl_signals.pages_fetched)
    assert store.write is not None and store.staged[1] == 30
    # Pages read after that are staged every STAGE_EVERY, the rest at close.
    for n in range(30, 30 + StorePipeline.STAGE_EVERY + 7):
        store.process_item(page(n))
    assert store.staged[1] == 30 + StorePipeline.STAGE_EVERY
    store.spider_closed(crawler.spider, "finished")  # type: ignore[arg-type]
    total = 30 + StorePipeline.STAGE_EVERY + 7
    assert query(db, "SELECT count(*), count(DISTINCT url) FROM fetches") == [(total, total)]
    assert query(db, "SELECT count(*), count(DISTINCT plan_name) FROM observations") == [
        (total, total)]  # fmt: skip
    assert query(db, "SELECT count(*) FROM pages") == [(total,)]
    status, stats = query(db, "SELECT status, stats FROM crawl_runs")[0]
    assert status == "ok"
    assert json.loads(stats)["ratebench/write_begun_at_page"] == 30


def test_a_failed_early_write_is_made_again_at_close_and_fails_the_run_there(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "store.duckdb"
    crawler, store = opened(db)
    store.process_item(page(1))
    store.process_item(page(2, price=Decimal("1e20")))  # over DECIMAL(14, 4)
    with caplog.at_level(logging.WARNING):
        crawler.signals.send_catch_log(signal=crawl_signals.pages_fetched)
    assert store.write is None and store.staged == (0, 0, 0, 0)
    assert "could not stage rows early" in caplog.text
    store.spider_closed(crawler.spider, "finished")  # type: ignore[arg-type]
    assert crawler.stats is not None
    assert "staged_observations" in crawler.stats.get_value("ratebench/write_error")
    assert not crawler.stats.get_value("ratebench/stored")
    # Nothing of the run was stored: not the good page either.
    assert query(db, "SELECT count(*) FROM fetches") == [(0,)]
    assert query(db, "SELECT status FROM crawl_runs") == [("running",)]


def test_a_crawl_stopped_before_every_page_was_fetched_writes_at_close(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    crawler, store = opened(db)
    for n in range(3):
        store.process_item(page(n))
    store.spider_closed(crawler.spider, "shutdown")  # type: ignore[arg-type]
    assert query(db, "SELECT count(*) FROM observations") == [(3,)]
    assert query(db, "SELECT finish_reason FROM crawl_runs") == [("shutdown",)]
