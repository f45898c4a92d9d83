"""Fixtures for browser-rendered pages: the mirror, a crawl of its JS-only competitors."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from scrapers.browser import CHROMIUM
from scrapers.market.server import MarketServer
from tests.crawl.conftest import FAST, Site, run_ratebench, serve_site

SNAPSHOT = "2026-10-07"
# The mirror's pages whose prices exist only after scripts run, and the Next.js-blob page.
BROWSER_COMPETITORS = ("ringcentral-air", "rosie", "trillet")
BLOB_COMPETITOR = "ringly"

needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason=f"{CHROMIUM} is absent (apt-get install chromium-headless-shell; `make test` installs it)",
)


@dataclass
class BrowserCrawl:
    db: Path
    result: object  # subprocess.CompletedProcess


@pytest.fixture(scope="module")
def mirror() -> Iterator[MarketServer]:
    with MarketServer(snapshot=SNAPSHOT) as server:
        yield server


@pytest.fixture(scope="module")
def browser_crawl(mirror: MarketServer, tmp_path_factory: pytest.TempPathFactory) -> BrowserCrawl:
    """One real crawl (a child process) of the JS-only competitors plus the blob page."""
    db = tmp_path_factory.mktemp("browser-crawl") / "crawl.duckdb"
    ids = [arg for cid in (*BROWSER_COMPETITORS, BLOB_COMPETITOR) for arg in ("--competitor", cid)]
    result = run_ratebench(
        "crawl", "--mirror", mirror.url, "--db", str(db), "--fetched-at", SNAPSHOT, *ids, *FAST,
        "-s", "DOWNLOAD_TIMEOUT=20",
    )  # fmt: skip
    return BrowserCrawl(db, result)


@pytest.fixture
def site() -> Iterator[Site]:
    """A mirror-shaped loopback site for one test (tests/crawl's, with its request log)."""
    with serve_site() as state:
        yield state
