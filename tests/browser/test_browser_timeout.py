"""A browser page whose prices never appear: a failed fetch with a timeout, no observations."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import needs_chromium
from tests.crawl.conftest import FAST, Site, query, run_ratebench

NEVER_PRICED = b"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Pricing</title></head>
<body><h1>Pricing</h1><div class="plan"><h2>Starter</h2><div class="price">$ --<span>/month</span></div>
<p>100 minutes included</p></div>
<script>setTimeout(function () { document.title = 'still loading'; }, 100);</script></body></html>"""
PRICED_LATE = NEVER_PRICED.replace(
    b"document.title = 'still loading';",
    b"document.querySelector('.price').firstChild.textContent = '$59';",
)

REGISTRY = """
[[competitor]]
id = "{ident}"
name = "{ident} AI"
website = "https://{ident}.example.com/"
country = "US"
currency = "USD"
delivery = "domestic"
service_type = "ai_receptionist"
verticals = ["general"]
pricing_urls = ["https://{ident}.example.com/pricing"]
billing_notes = "test entry"
render = "browser"
"""

pytestmark = [needs_chromium, pytest.mark.browser, pytest.mark.slow]


def test_prices_that_never_appear_fail_the_fetch(site: Site, tmp_path: Path) -> None:
    site.page("/robots.txt", b"User-agent: *\nDisallow:\n", content_type="text/plain")
    site.page("/never.example.com/pricing", NEVER_PRICED)
    site.page("/late.example.com/pricing", PRICED_LATE)
    registry = tmp_path / "registry.toml"
    registry.write_text(REGISTRY.format(ident="never") + REGISTRY.format(ident="late"))
    db = tmp_path / "crawl.duckdb"
    result = run_ratebench(
        "crawl", "--mirror", site.url, "--db", str(db), "--registry", str(registry), *FAST,
        "-s", "RATEBENCH_BROWSER_WAIT_MS=1500",
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr  # degraded: one page failed
    fetches = dict(
        (cid, (ok, error))
        for cid, ok, error in query(db, "SELECT competitor_id, ok, error FROM fetches")
    )
    ok, error = fetches["never"]
    assert not ok and error.startswith("timeout:") and "wait_for_selector" in error, error
    assert fetches["late"] == (True, None)
    observed = query(db, "SELECT competitor_id, price FROM observations ORDER BY 1")
    assert [(cid, str(price.normalize())) for cid, price in observed] == [("late", "59")]
    status = query(db, "SELECT status, pages_ok, pages_failed FROM crawl_runs")
    assert status == [("degraded", 1, 1)]
