"""A real browser (Debian's chromium-headless-shell via Playwright) on a running dashboard."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from scrapers.browser import BROWSER_ARGS
from scrapers.browser import CHROMIUM as CHROMIUM_PATH
from tests.dashboard.seed import HOSTILE_EVIDENCE, build_db

ROOT = Path(__file__).resolve().parents[2]
# The same Chromium and flags the crawl's rendered pages use.
CHROMIUM = Path(CHROMIUM_PATH)
# url path -> text that proves the view rendered its data, not just its title.
VIEWS = {
    "market": "Cheaper than",
    "competitors": "Change history",
    "recommend": "Price per seat-month",
    "renewals": "Renewals due",
    "crawl_health": "Failures per competitor",
}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"{CHROMIUM} is absent (apt-get install chromium-headless-shell; `make setup` does it)",
    ),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _demo_db(folder: Path) -> Path:
    """The demo database, built as `make demo` builds it (a real crawl of the offline market),
    unless RATEBENCH_TEST_DEMO_DB names one already built."""
    given = os.environ.get("RATEBENCH_TEST_DEMO_DB")
    if given:
        return Path(given)
    db = folder / "demo.duckdb"
    done = subprocess.run(
        [sys.executable, "-m", "ratebench", "demo", "--no-dashboard", "--db", str(db)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return db


@contextmanager
def _serve(db: Path, logs: Path) -> Iterator[str]:
    """`streamlit run` on a random local port against `db`; yields its base URL."""
    port = _free_port()
    env = dict(os.environ, RATEBENCH_DB=str(db))
    log = logs / f"streamlit-{port}.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"),
             "--server.headless", "true", "--server.address", "127.0.0.1",
             "--server.port", str(port), "--browser.gatherUsageStats", "false"],
            cwd=logs, env=env, stdout=sink, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"streamlit did not start: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture(scope="module")
def dashboard_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard on the demo database."""
    folder = tmp_path_factory.mktemp("demo")
    with _serve(_demo_db(folder), folder) as url:
        yield url


@pytest.fixture(scope="module")
def seeded_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard on the seeded database (it holds a hostile evidence string)."""
    folder = tmp_path_factory.mktemp("seeded")
    with _serve(build_db(folder / "seeded.duckdb"), folder) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=BROWSER_ARGS, headless=True
        )
        yield chromium
        chromium.close()


SETTLED = """() => !document.querySelector(
    '[data-testid="stSkeleton"], [data-testid="stStatusWidget"], [data-testid="stSpinner"]')"""


def _settle(page, timeout_s: float = 60.0) -> None:
    """Wait until the script run is over and no placeholder is left, three checks in a row."""
    deadline = time.monotonic() + timeout_s
    calm = 0
    while calm < 3:
        if time.monotonic() > deadline:
            raise AssertionError("the page never settled: " + page.inner_text("body")[:2000])
        calm = calm + 1 if page.evaluate(SETTLED) else 0
        page.wait_for_timeout(300)


@pytest.mark.parametrize("view", list(VIEWS))
def test_view_renders_in_a_real_browser(
    view: str, dashboard_url: str, browser, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1800})
    try:
        started = time.monotonic()
        # Market is the default page, served at "/".
        page.goto(f"{dashboard_url}/{'' if view == 'market' else view}",
                  wait_until="domcontentloaded")
        page.get_by_text(VIEWS[view], exact=False).first.wait_for(timeout=60_000)
        _settle(page)
        elapsed = time.monotonic() - started
        shot = tmp_path / f"{view}.png"
        page.screenshot(path=str(shot), full_page=True)
        body = page.inner_text("body")
        assert page.locator('[data-testid="stException"]').count() == 0, body
        assert "Page not found" not in body
        assert shot.stat().st_size > 10_000
        print(f"{view}: rendered in {elapsed:.2f} s, screenshot {shot}")
    finally:
        page.close()


def test_hostile_evidence_shows_as_text(seeded_url: str, browser, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        page.goto(f"{seeded_url}/competitors?competitor=posh", wait_until="domcontentloaded")
        page.get_by_text("Evidence", exact=True).first.wait_for(timeout=60_000)
        _settle(page)
        page.screenshot(path=str(tmp_path / "hostile_evidence.png"), full_page=True)
        # The page's text holds the markup literally; no element was made from it.
        assert HOSTILE_EVIDENCE in page.inner_text("body")
        assert page.locator("b:text-is('Chic')").count() == 0
        assert dialogs == []  # the script in the evidence never ran
    finally:
        page.close()
