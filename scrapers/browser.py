"""Pages that need a browser: scrapy-playwright driving Debian's chromium-headless-shell.

A registry entry with `render = "browser"` is fetched by a real Chromium (never downloaded: the
Makefile installs Debian's `chromium-headless-shell`). The request waits until a price element
shows digits, within a time limit; the rendered HTML is the response body, so it is what the
crawl keeps as evidence. Every other request keeps Scrapy's plain HTTP download handler, and the
Playwright handler is installed only when a crawl has a browser competitor.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scrapy.settings import BaseSettings

from scrapers.registry import Competitor

CHROMIUM = "/usr/bin/chromium-headless-shell"
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# A price element (by the class names pricing pages use) whose text shows a currency and a digit:
# "$ --" placeholders and empty cards do not match, "$49" does.
PRICE_SELECTOR = (
    ':is([data-price], [class*="price"], [class*="amount"], [class*="cost"])'
    ':text-matches("[$£€]\\\\s*\\\\d")'
)
WAIT_TIMEOUT_MS = 15_000  # the wait for prices, per page
NAVIGATION_TIMEOUT_MS = 20_000  # the page load itself

# Our own settings keys (scrapers/settings.py may override them; tests shorten the timeout).
SETTING_SELECTOR = "RATEBENCH_BROWSER_PRICE_SELECTOR"
SETTING_TIMEOUT = "RATEBENCH_BROWSER_WAIT_MS"

PLAYWRIGHT_SETTINGS: dict[str, Any] = {
    "PLAYWRIGHT_BROWSER_TYPE": "chromium",
    "PLAYWRIGHT_LAUNCH_OPTIONS": {
        "executable_path": CHROMIUM,
        "headless": True,
        "args": BROWSER_ARGS,
    },
    "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": NAVIGATION_TIMEOUT_MS,
    # One browser page at a time per context keeps memory low on a 2-core machine.
    "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 4,
}
DOWNLOAD_HANDLERS = {
    "http": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
    "https": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
}


def needs_browser(competitors: Iterable[Competitor]) -> bool:
    """Whether any of these competitors' pages render in a browser."""
    return any(competitor.render == "browser" for competitor in competitors)


def configure(settings: BaseSettings, competitors: Iterable[Competitor]) -> bool:
    """Install the Playwright download handler when a competitor needs it (before settings freeze).

    Settings already given on the command line or in the project keep their values.
    Returns whether the browser is configured.
    """
    if not needs_browser(competitors):
        return False
    handlers = dict(settings.getdict("DOWNLOAD_HANDLERS"))
    for scheme, handler in DOWNLOAD_HANDLERS.items():
        handlers.setdefault(scheme, handler)
    settings.set("DOWNLOAD_HANDLERS", handlers, priority="spider")
    for key, value in PLAYWRIGHT_SETTINGS.items():
        if settings.get(key) is None:
            settings.set(key, value, priority="spider")
    return True


def request_meta(competitor: Competitor, settings: BaseSettings | None = None) -> dict[str, Any]:
    """Request meta for one competitor's page: empty for plain HTTP, Playwright's for a browser.

    The wait for price elements is the time limit: a page whose prices never appear fails with
    a timeout, which the spider records as a failed fetch.
    """
    if competitor.render != "browser":
        return {}
    from scrapy_playwright.page import PageMethod  # only crawls with a browser import it

    selector = (settings.get(SETTING_SELECTOR) if settings else None) or PRICE_SELECTOR
    timeout = (settings.getint(SETTING_TIMEOUT) if settings else 0) or WAIT_TIMEOUT_MS
    return {
        "playwright": True,
        "playwright_page_methods": [
            PageMethod("wait_for_selector", selector, state="attached", timeout=timeout),
        ],
        # Scripts must not wait on third-party hosts that the mirror does not serve.
        "playwright_page_goto_kwargs": {"wait_until": "load"},
    }
