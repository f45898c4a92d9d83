"""JS-rendered pricing pages crawled through a real Chromium on loopback, and what needs none."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from http.client import HTTPConnection
from pathlib import Path

import lxml.html
import pytest
from scrapy.settings import Settings

from scrapers import browser
from scrapers.extraction import extract_plans
from scrapers.market.server import MarketServer
from scrapers.market.snapshots import SNAPSHOTS_DIR, golden_cases
from scrapers.registry import load_registry
from tests.browser.conftest import (
    BLOB_COMPETITOR,
    BROWSER_COMPETITORS,
    SNAPSHOT,
    BrowserCrawl,
    needs_chromium,
)
from tests.crawl.conftest import query

PLAN_KEYS = (
    "name", "price", "currency", "unit", "included_minutes", "included_calls",
    "overage_per_minute", "overage_per_call", "setup_fee", "billing_increment_seconds",
    "annual_price_per_month", "evidence",
)  # fmt: skip, the observations columns' order (plan_name for name)


def _case(competitor_id: str):
    cases = [c for c in golden_cases(SNAPSHOT) if c.meta["competitor_id"] == competitor_id]
    assert len(cases) == 1, competitor_id
    return cases[0]


def _as_row(plan: dict) -> tuple:
    """A golden plan in the observations table's shape (Decimal money, plan_name first)."""
    money = ("price", "overage_per_minute", "overage_per_call", "setup_fee", "annual_price_per_month")
    out = []
    for key in PLAN_KEYS:
        value = plan[key]
        out.append(Decimal(str(value)) if key in money and value is not None else value)
    return tuple(out)


def _stored(db: Path, competitor_id: str) -> set[tuple]:
    rows = query(
        db,
        "SELECT plan_name, price, currency, unit, included_minutes, included_calls, "
        "overage_per_minute, overage_per_call, setup_fee, billing_increment_seconds, "
        "annual_price_per_month, evidence FROM observations WHERE competitor_id = ?",
        [competitor_id],
    )
    return {tuple(v.normalize() if isinstance(v, Decimal) else v for v in row) for row in rows}


def _visible_text(html: str) -> str:
    root = lxml.html.fromstring(html)
    for script in root.xpath("//script|//style"):
        script.drop_tree()
    return " ".join(root.text_content().split())


def test_registry_marks_the_js_only_competitors() -> None:
    renders = {c.id: c.render for c in load_registry()}
    assert all(renders[cid] == "browser" for cid in BROWSER_COMPETITORS)
    assert renders[BLOB_COMPETITOR] == "http"  # its JSON blob makes the browser unnecessary
    for cid in BROWSER_COMPETITORS:
        assert _case(cid).meta["render"] == "browser"


@pytest.mark.parametrize("competitor_id", BROWSER_COMPETITORS)
def test_static_html_shows_no_prices(competitor_id: str) -> None:
    # Without scripts these pages have no plans: the browser is what makes them readable.
    case = _case(competitor_id)
    got = extract_plans(case.html, case.meta["url"], country="US", currency="USD")
    assert got.plans == [] and "no rate plans found on the page" in got.warnings
    assert case.expected["plans"], "the rendered page must have plans"


def test_next_data_blob_is_read_without_a_browser() -> None:
    case = _case(BLOB_COMPETITOR)
    assert '<script id="__NEXT_DATA__" type="application/json">' in case.html
    got = extract_plans(case.html, case.meta["url"], country="US", currency="USD").to_contract()
    assert got["plans"] == case.expected["plans"]
    assert got["plans"][0]["overage_per_call"] == 1.99 and got["plans"][0]["included_calls"] == 50
    # The visible digits are placeholders until scripts run; the blob alone carries the prices.
    assert "$99" not in case.html and '"price":99' in case.html


def test_mirror_serves_the_pricing_endpoint_as_json(mirror: MarketServer) -> None:
    conn = HTTPConnection(mirror.host, mirror.port, timeout=5)
    try:
        conn.request("GET", "/www.ringcentral.com/api/pricing.json")
        response = conn.getresponse()
        body = response.read()
        assert response.status == 200
        assert response.getheader("Content-Type") == "application/json; charset=utf-8"
        expected = SNAPSHOTS_DIR / SNAPSHOT / "www.ringcentral.com/api/pricing.json"
        assert body == expected.read_bytes() and json.loads(body)["plans"][0]["price"] == "$49"
        for path in ("/www.ringcentral.com/api/missing.json", "/www.ringcentral.com/../x.json"):
            conn.request("GET", path)
            answer = conn.getresponse()
            answer.read()
            assert answer.status == 404, path
    finally:
        conn.close()


def test_playwright_is_configured_only_when_a_competitor_needs_it() -> None:
    registry = {c.id: c for c in load_registry()}
    plain = Settings()
    assert not browser.configure(plain, [registry["ruby"], registry[BLOB_COMPETITOR]])
    assert not plain.getdict("DOWNLOAD_HANDLERS")
    assert browser.request_meta(registry["ruby"]) == {}
    needed = Settings()
    assert browser.configure(needed, [registry["ruby"], registry["trillet"]])
    assert "scrapy_playwright" in needed.getdict("DOWNLOAD_HANDLERS")["http"]
    launch = needed.getdict("PLAYWRIGHT_LAUNCH_OPTIONS")
    assert launch["executable_path"] == "/usr/bin/chromium-headless-shell"
    assert "--no-sandbox" in launch["args"]
    meta = browser.request_meta(registry["trillet"], needed)
    assert meta["playwright"] is True
    (wait,) = meta["playwright_page_methods"]
    assert wait.method == "wait_for_selector" and wait.kwargs["timeout"] == browser.WAIT_TIMEOUT_MS


@needs_chromium
@pytest.mark.browser
@pytest.mark.slow
def test_browser_crawl_stores_the_rendered_plans(browser_crawl: BrowserCrawl) -> None:
    result = browser_crawl.result
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 pages ok, 0 failed, 7 plans" in result.stdout, result.stdout + result.stderr
    for cid in (*BROWSER_COMPETITORS, BLOB_COMPETITOR):
        expected = {_as_row(plan) for plan in _case(cid).expected["plans"]}
        assert _stored(browser_crawl.db, cid) == expected, cid


@needs_chromium
@pytest.mark.browser
@pytest.mark.slow
def test_rendered_html_is_the_evidence(browser_crawl: BrowserCrawl) -> None:
    rows = query(
        browser_crawl.db,
        "SELECT f.competitor_id, f.ok, p.body_gzip FROM fetches f JOIN pages p USING (content_hash)",
    )
    bodies = {cid: gzip.decompress(body).decode("utf-8") for cid, ok, body in rows if ok}
    assert set(bodies) == {*BROWSER_COMPETITORS, BLOB_COMPETITOR}
    for cid in BROWSER_COMPETITORS:
        static = _case(cid).html
        assert bodies[cid] != static, f"{cid}: stored the static HTML, not the rendered page"
        static_text, rendered_text = _visible_text(static), _visible_text(bodies[cid])
        for plan in _case(cid).expected["plans"]:
            evidence = plan["evidence"]
            assert evidence not in static_text and evidence in rendered_text, (cid, evidence)
    assert "$ --" not in bodies["trillet"] and "$0.20" in bodies["trillet"]
    # The blob page is fetched over plain HTTP: its stored body is the page as served.
    assert bodies[BLOB_COMPETITOR] == _case(BLOB_COMPETITOR).html
