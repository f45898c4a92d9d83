"""Real crawls of the offline market mirror: stored plans match the pages, history is kept."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from parsel import Selector

from scrapers.market.server import MarketServer
from scrapers.market.snapshots import SNAPSHOTS_DIR, golden_cases
from scrapers.registry import load_registry
from tests.crawl.conftest import FAST, query, run_ratebench

FIRST, SECOND = "2026-10-07", "2026-11-07"


@dataclass
class MarketRuns:
    db: Path
    run_ids: list[str]
    outputs: list[object]
    pages_after: list[int]


def _golden(snapshot: str, host_path: str) -> dict:
    path = SNAPSHOTS_DIR / snapshot / host_path / "output.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _facts(plans: list[dict]) -> set[tuple]:
    """What a plan costs, independent of how its name was read."""
    return {
        (Decimal(str(p["price"])) if p["price"] is not None else None, p["currency"], p["unit"],
         p["included_minutes"])
        for p in plans
    }  # fmt: skip


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MarketRuns]:
    """The first snapshot, then the second one twice, crawled into one database."""
    db = tmp_path_factory.mktemp("market") / "market.duckdb"
    outputs, pages_after = [], []
    for snapshot in (FIRST, SECOND, SECOND):
        with MarketServer(snapshot=snapshot) as server:
            outputs.append(
                run_ratebench(
                    "crawl", "--mirror", server.url, "--db", str(db), "--fetched-at", snapshot,
                    "-q", *FAST,
                )  # fmt: skip
            )
        pages_after.append(query(db, "SELECT count(*) FROM pages")[0][0])
    run_ids = [r[0] for r in query(db, "SELECT run_id FROM crawl_runs ORDER BY as_of, started_at")]
    yield MarketRuns(db, run_ids, outputs, pages_after)


def _stored(market: MarketRuns, run: int, competitor: str) -> set[tuple]:
    rows = query(
        market.db,
        "SELECT price, currency, unit, included_minutes FROM observations "
        "WHERE run_id = ? AND competitor_id = ?",
        [market.run_ids[run], competitor],
    )
    return {(None if p is None else p.normalize(), c, u, m) for p, c, u, m in rows}


def test_every_competitor_is_fetched_and_priced(market: MarketRuns) -> None:
    registry = load_registry()
    urls = sum(len(c.pricing_urls) for c in registry)
    run = market.run_ids[0]
    assert query(market.db, "SELECT count(*) FROM fetches WHERE run_id = ?", [run]) == [(urls,)]
    failed = query(
        market.db, "SELECT competitor_id, error FROM fetches WHERE run_id = ? AND NOT ok", [run]
    )
    # The mirror's robots.txt disallows Answering Service Care's page: refused, never fetched,
    # and reported as skipped rather than failed.
    assert failed == [("answering-service-care", "refused by robots.txt")]
    assert f"{urls - 1} pages ok, 0 failed, 1 skipped" in market.outputs[0].stdout
    # Nothing else went wrong in this snapshot, so the skipped page leaves the run ok.
    assert query(market.db, "SELECT status FROM crawl_runs WHERE run_id = ?", [run]) == [("ok",)]
    # Every competitor whose mirror page states plans has observations stored.
    stating_plans = {
        case.meta["competitor_id"] for case in golden_cases(FIRST) if case.expected["plans"]
    } & {c.id for c in registry}
    priced = {
        r[0]
        for r in query(
            market.db, "SELECT DISTINCT competitor_id FROM observations WHERE run_id = ?", [run]
        )
    }
    assert len(stating_plans) > 25
    assert sorted(stating_plans - priced) == []


def test_ruby_plans_match_the_mirror_facts(market: MarketRuns) -> None:
    expected = _facts(_golden(FIRST, "www.ruby.com/pricing")["plans"])
    assert _stored(market, 0, "ruby") == {
        (price.normalize(), cur, unit, mins) for price, cur, unit, mins in expected
    }
    rows = query(
        market.db,
        "SELECT o.evidence, p.body_gzip FROM observations o JOIN pages p USING (content_hash) "
        "WHERE o.run_id = ? AND o.competitor_id = 'ruby'",
        [market.run_ids[0]],
    )
    assert len(rows) == 4
    for evidence, body in rows:
        page_text = " ".join(
            "".join(Selector(text=gzip.decompress(body).decode("utf-8")).xpath("//body//text()").getall()).split()
        )
        assert evidence and " ".join(evidence.split()) in page_text, evidence
    # Second snapshot: Ruby's prices changed; the stored plans follow the page.
    changed = _facts(_golden(SECOND, "www.ruby.com/pricing")["plans"])
    assert _stored(market, 1, "ruby") == {(p.normalize(), c, u, m) for p, c, u, m in changed}
    assert _stored(market, 1, "ruby") != _stored(market, 0, "ruby")


def test_redirect_keeps_the_registry_url_and_records_the_real_target(market: MarketRuns) -> None:
    rows = query(
        market.db,
        "SELECT DISTINCT url, final_url, status FROM fetches WHERE competitor_id = 'moneypenny-us'",
    )
    assert rows == [
        ("https://www.voicenation.com/pricing/", "https://www.moneypenny.com/us/pricing/", 200)
    ]
    golden = _facts(_golden(FIRST, "www.moneypenny.com/us/pricing")["plans"])
    stored = _stored(market, 0, "moneypenny-us")
    assert {(p.normalize(), c, u, m) for p, c, u, m in golden} <= stored


def test_a_500_page_keeps_the_previous_observations(market: MarketRuns) -> None:
    first, second, _ = market.run_ids
    [(status, ok, error)] = query(
        market.db,
        "SELECT status, ok, error FROM fetches WHERE run_id = ? AND competitor_id = 'signius'",
        [second],
    )
    assert (status, ok, error) == (500, False, "HTTP 500")
    counts = dict(
        query(
            market.db,
            "SELECT run_id, count(*) FROM observations WHERE competitor_id = 'signius' GROUP BY 1",
        )
    )
    assert counts.get(second) is None and counts[first] >= 2
    [(run_status, degraded)] = query(
        market.db, "SELECT status, degraded_competitors FROM crawl_runs WHERE run_id = ?", [second]
    )
    assert run_status == "degraded" and "signius" in degraded


def test_pages_are_stored_once_across_crawls_of_the_same_snapshot(market: MarketRuns) -> None:
    after_first, after_second, after_repeat = market.pages_after
    assert after_first > 25
    # The second snapshot changed a few pages: new bodies, but far fewer than a full copy.
    assert after_first < after_second < 2 * after_first
    # The same snapshot again adds nothing.
    assert after_repeat == after_second
    second, repeat = market.run_ids[1:]
    hashes = query(
        market.db,
        "SELECT count(DISTINCT content_hash) FILTER (WHERE run_id = ?), "
        "count(DISTINCT content_hash) FILTER (WHERE run_id = ?) FROM fetches",
        [second, repeat],
    )
    assert hashes[0][0] == hashes[0][1] > 25


def test_fetch_time_override_stamps_every_row(market: MarketRuns) -> None:
    rows = query(
        market.db,
        "SELECT DISTINCT r.as_of::DATE::VARCHAR, f.fetched_at::DATE::VARCHAR "
        "FROM crawl_runs r JOIN fetches f USING (run_id) ORDER BY 1",
    )
    assert rows == [(FIRST, FIRST), (SECOND, SECOND)]


def _info_lines(db: Path, run_ids: list[str]) -> dict[str, str]:
    """`ratebench db info` of `db`: the line of each run by run id, the whole output under ''."""
    info = run_ratebench("db", "info", "--db", str(db), "--runs", "10")
    assert info.returncode == 0, info.stderr
    lines = {"": info.stdout}
    for line in info.stdout.splitlines():
        words = line.split()
        if words and words[0] in run_ids:
            lines[words[0]] = line
    assert set(lines) == {"", *run_ids}, info.stdout
    return lines


def test_db_info_shows_pages_ok_failed_and_skipped_per_run(
    market: MarketRuns, tmp_path: Path
) -> None:
    stored = query(
        market.db,
        "SELECT r.run_id, r.pages_ok, r.pages_failed, r.pages_skipped, "
        "(SELECT count(*) FROM fetches f WHERE f.run_id = r.run_id AND f.skipped) "
        "FROM crawl_runs r ORDER BY r.started_at",
    )
    assert len(stored) == 3
    lines = _info_lines(market.db, market.run_ids)
    for run_id, ok, failed, skipped, skipped_fetches in stored:
        # The mirror's robots.txt refuses one page in every snapshot: counted, never failed.
        assert skipped == skipped_fetches == 1
        assert f"pages {ok} ok / {failed} failed / 1 skipped, plans " in lines[run_id], lines[""]
    assert "? skipped" not in lines[""]

    # A database written before skipped pages were counted: db info opens it read-only, so it
    # cannot add the columns; it still reports every run, the skipped count as unknown.
    old = tmp_path / "old.duckdb"
    old.write_bytes(market.db.read_bytes())
    con = duckdb.connect(str(old))
    try:
        con.execute("ALTER TABLE crawl_runs DROP COLUMN pages_skipped")
        con.execute("ALTER TABLE fetches DROP COLUMN skipped")
    finally:
        con.close()
    lines = _info_lines(old, market.run_ids)
    for run_id, ok, failed, _skipped, _ in stored:
        assert f"pages {ok} ok / {failed} failed / ? skipped, plans " in lines[run_id], lines[""]
    assert "this database predates skipped-page counts" in lines[""]
    columns = query(old, "SELECT column_name FROM duckdb_columns() WHERE table_name = 'crawl_runs'")
    assert ("pages_skipped",) not in columns  # read-only: db info changed nothing

    # The column exists but an older run has no count in it (schema.sql added it later).
    partial = tmp_path / "partial.duckdb"
    partial.write_bytes(market.db.read_bytes())
    oldest = stored[0][0]
    con = duckdb.connect(str(partial))
    try:
        con.execute("UPDATE crawl_runs SET pages_skipped = NULL WHERE run_id = ?", [oldest])
    finally:
        con.close()
    lines = _info_lines(partial, market.run_ids)
    assert "/ ? skipped," in lines[oldest]
    assert all("/ 1 skipped," in lines[run_id] for run_id, *_ in stored[1:])
    assert "recorded before skipped pages were counted" in lines[""]
