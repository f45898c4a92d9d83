"""Extraction in a worker process stores exactly what inline extraction stores."""

from __future__ import annotations

import json
from pathlib import Path

from scrapers.market.server import MarketServer
from tests.crawl.conftest import FAST, query, run_ratebench

SNAPSHOT = "2026-11-07"
PLANS = (
    "SELECT competitor_id, url, plan_name, price, currency, unit, included_minutes, "
    "included_calls, overage_per_minute, overage_per_call, setup_fee, evidence "
    "FROM observations ORDER BY ALL"
)


def _crawl(url: str, db: Path, *settings: str) -> None:
    result = run_ratebench(
        "crawl", "--mirror", url, "--db", str(db), "--fetched-at", SNAPSHOT, "-q", *FAST,
        *settings,
    )  # fmt: skip
    # The snapshot has a 500 page: the run is degraded, not failed.
    assert result.stdout.startswith("run ") and ": degraded" in result.stdout.splitlines()[0], (
        result.stdout + result.stderr[-3000:]
    )


def test_worker_extraction_stores_the_same_plans_as_inline(tmp_path: Path) -> None:
    inline_db, pooled_db = tmp_path / "inline.duckdb", tmp_path / "pooled.duckdb"
    with MarketServer(snapshot=SNAPSHOT) as server:
        _crawl(server.url, inline_db, "-s", "RATEBENCH_EXTRACT_WORKERS=0")
        _crawl(server.url, pooled_db, "-s", "RATEBENCH_EXTRACT_WORKERS=1",
               "-s", "RATEBENCH_EXTRACT_POOL_MIN_PAGES=1")  # fmt: skip
    inline, pooled = query(inline_db, PLANS), query(pooled_db, PLANS)
    assert len(inline) > 50
    assert pooled == inline
    fetches = "SELECT url, ok, plans_found, error FROM fetches ORDER BY ALL"
    assert query(pooled_db, fetches) == query(inline_db, fetches)

    def worker_peak(db: Path) -> object:
        stats = json.loads(query(db, "SELECT stats FROM crawl_runs")[0][0])
        return stats.get("ratebench/extract_workers_peak_rss_mb")

    # The worker really ran (it reported its own memory); inline crawls start none.
    peak = worker_peak(pooled_db)
    assert isinstance(peak, float) and 10 < peak < 2000
    assert worker_peak(inline_db) is None
    # Both began their final write once every page was fetched, before the spider closed.
    for db in (inline_db, pooled_db):
        stats = json.loads(query(db, "SELECT stats FROM crawl_runs")[0][0])
        pages = query(db, "SELECT count(*) FROM fetches")[0][0]
        assert 0 < stats["ratebench/write_begun_at_page"] <= pages
