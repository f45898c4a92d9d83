"""End to end: two snapshots of the offline market crawled over loopback into one DuckDB file,
then the engine's changes, versions, bands and recommendation read from it.

Expectations come from the mirror's own golden files (what each page states), never from a
previous run of the code under test.
"""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from benchmark import api
from benchmark.store import connection
from scrapers.market.server import MarketServer
from scrapers.market.snapshots import final_resolution
from scrapers.registry import load_registry

REPO = Path(__file__).resolve().parents[2]
OLD, NEW = "2026-10-07", "2026-11-07"
FAST = ("-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "RETRY_TIMES=0")


def _crawl(db: Path, snapshot: str) -> None:
    with MarketServer(snapshot) as server:
        done = subprocess.run(
            [sys.executable, "-m", "ratebench", "crawl", "--mirror", server.url, "--db", str(db),
             "--fetched-at", f"{snapshot}T02:00:00+00:00", "-q", *FAST],
            cwd=REPO, capture_output=True, text=True, timeout=240,
        )  # fmt: skip
    # 0 = ok, 1 = degraded (NEW has a 500; the robots-refused page is skipped, not failed)
    assert done.returncode in (0, 1), done.stderr[-2000:]


def _stated_prices(snapshot: str) -> dict[tuple[str, str, str], Decimal]:
    """(competitor, plan name, unit) -> price as the snapshot's pages state it (HTTP pages)."""
    stated: dict[tuple[str, str, str], Decimal] = {}
    for competitor in load_registry():
        if competitor.render != "http":
            continue
        for url in competitor.pricing_urls:
            resolution = final_resolution(snapshot, url)
            if resolution.status != 200 or resolution.folder is None:
                continue
            expected = json.loads((resolution.folder / "output.json").read_text())
            for plan in expected["plans"]:
                if plan["price"] is not None and plan["name"]:
                    key = (competitor.id, plan["name"], plan["unit"])
                    stated[key] = Decimal(str(plan["price"]))
    return stated


@pytest.fixture(scope="module")
def market_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("e2e") / "market.duckdb"
    _crawl(db, OLD)
    _crawl(db, NEW)
    return db


def test_stored_prices_are_the_pages_prices(market_db: Path) -> None:
    stated = _stated_prices(NEW)
    assert len(stated) >= 40, "the mirror should state dozens of priced plans"
    with connection(market_db, read_only=True) as con:
        cards = api.latest_rate_cards(con)
    stored = {(r["competitor_id"], r["plan_name"], r["unit"]): r["price"] for r in cards}
    matched = [key for key in stated if key in stored]
    # Every plan a page states must be stored with that price (issue 3 makes extraction exact).
    assert len(matched) == len(stated), sorted(set(stated) - set(stored))[:10]
    for key in matched:
        assert stored[key] == stated[key], key


def test_price_changes_between_snapshots_match_the_pages(market_db: Path) -> None:
    old, new = _stated_prices(OLD), _stated_prices(NEW)
    moved = {k: (old[k], new[k]) for k in old.keys() & new.keys() if old[k] != new[k]}
    assert len({k[0] for k in moved}) >= 5
    with connection(market_db, read_only=True) as con:
        changes = api.rate_changes(con)
    seen = {
        (c["competitor_id"], c["plan_name"], c["unit"]): (c["old_price"], c["new_price"])
        for c in changes
    }
    for key, (before, after) in moved.items():
        assert key in seen, f"change of {key} {before} -> {after} not reported"
        assert seen[key] == (before, after), key
        row = next(c for c in changes if (c["competitor_id"], c["plan_name"], c["unit"]) == key)
        expected_pct = float((after - before) / before * 100)
        assert row["percent"] == pytest.approx(expected_pct, abs=0.01)


def test_a_failed_fetch_does_not_end_a_version(market_db: Path) -> None:
    # NEW serves Signius's page with HTTP 500: its October prices stay current.
    assert final_resolution(NEW, "https://www.signius.com/pricing/").status == 500
    with connection(market_db, read_only=True) as con:
        failed = con.execute(
            "SELECT count(*) FROM fetches WHERE competitor_id = ? AND NOT ok", ["signius"]
        ).fetchone()[0]
        versions = api.rate_versions(con, "signius")
    assert failed == 1
    assert versions and all(v["valid_to"] is None for v in versions)
    assert {str(v["valid_from"].date()) for v in versions} == {OLD}


def test_recommendation_sits_in_the_crawled_market_and_above_the_floor(market_db: Path) -> None:
    profile = api.load_profile(REPO / "examples" / "profile.toml")
    costs = api.load_costs(REPO / "examples" / "costs.toml")
    with connection(market_db, read_only=True) as con:
        band = api.profile_band(con, profile)
        result = api.recommend(con, profile, costs, "match").to_json()
    assert band.n_priced >= band.min_count
    assert band.n_quote_only >= 1  # Nexa and AnswerForce publish no prices
    monthly = sorted(c.monthly_cost for c in band.competitors if c.status == "priced")
    assert len(monthly) == band.n_priced  # one value per competitor
    assert monthly[0] <= band.monthly_cost.p10 <= band.monthly_cost.p50
    assert band.monthly_cost.p50 <= band.monthly_cost.p90 <= monthly[-1]
    assert Decimal(result["price_per_seat_month"]) >= Decimal(result["cost_floor_per_seat_month"])
    assert result["band"]["n_priced"] == band.n_priced
