"""The crawl's own settings, as Scrapy's components read them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.extensions.remote_control import RemoteControl
from scrapy.extensions.telnet import TelnetConsole

from scrapers.runner import crawl_settings
from scrapers.spiders.rates import RatesSpider
from tests.crawl.conftest import FIXTURE_PAGE, REPO, Site, write_registry


@pytest.mark.parametrize("console", [TelnetConsole, RemoteControl])
def test_the_crawl_opens_no_console_into_its_process(console: type) -> None:
    crawler = Crawler(RatesSpider, crawl_settings())  # not scrapy.utils.test's: it turns both off
    with pytest.raises(NotConfigured):
        console.from_crawler(crawler)


# Scrapy downloader middlewares the crawl leaves out because they have nothing to do in it.
LEFT_OUT = {
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": "allowed_domains",
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": "http_user",
    "scrapy.downloadermiddlewares.stats.DownloaderStats": None,
}


def test_the_left_out_downloader_middlewares_would_have_had_nothing_to_do() -> None:
    chain = crawl_settings().get_component_priority_dict_with_base("DOWNLOADER_MIDDLEWARES")
    assert {path for path in LEFT_OUT if chain.get(path) is not None} == set()
    # What OffsiteMiddleware and HttpAuthMiddleware read from the spider: a spider that sets
    # either needs its middleware back in scrapers/settings.py.
    for attribute in filter(None, LEFT_OUT.values()):
        assert not hasattr(RatesSpider, attribute), attribute
    # Nothing reads the "downloader/..." stats DownloaderStats would have kept.
    root = Path(__file__).resolve().parents[2]
    readers = [
        path for folder in ("scrapers", "benchmark", "dashboard", "ratebench")
        for path in (root / folder).rglob("*.py") if '"downloader/' in path.read_text("utf-8")
    ]  # fmt: skip
    assert readers == []


# Scrapy components the crawl leaves out of its bases, not only switches off: Scrapy imports
# every component listed, and these two import aiohttp and tldextract (~0.15 s a crawl).
SWITCHED_OFF = {
    "scrapy.extensions.remote_control.RemoteControl": ("EXTENSIONS", "REMOTE_CONTROL_ENABLED"),
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": (
        "DOWNLOADER_MIDDLEWARES",
        "COOKIES_ENABLED",
    ),
}


@pytest.mark.parametrize("path", SWITCHED_OFF)
def test_a_component_left_out_of_the_bases_is_one_the_crawl_switches_off(path: str) -> None:
    settings = crawl_settings()
    components, switch = SWITCHED_OFF[path]
    assert path not in settings.get_component_priority_dict_with_base(components)
    # Leaving it out changes nothing only while its switch stays off.
    assert settings.getbool(switch) is False
    # The rest of Scrapy's base is still there.
    assert len(settings.getdict(f"{components}_BASE")) >= 10


def test_a_crawl_imports_neither_aiohttp_nor_tldextract(site: Site, tmp_path: Path) -> None:
    """A real crawl of one page in a fresh interpreter, which then lists what it imported."""
    site.page("/www.ruby.com/pricing/", FIXTURE_PAGE.read_bytes())
    registry = write_registry(
        tmp_path / "registry.toml", {"ruby": ["https://www.ruby.com/pricing/"]}
    )
    db = tmp_path / "crawl.duckdb"
    script = (
        "import json, sys\n"
        "from scrapers.runner import run_crawl\n"
        f"outcome = run_crawl(mirror={site.url!r}, registry={str(registry)!r}, db={str(db)!r},\n"
        "                    settings={'AUTOTHROTTLE_ENABLED': False, 'DOWNLOAD_DELAY': 0},\n"
        "                    progress=None)\n"
        "print(json.dumps([outcome.plans, sorted(sys.modules)]))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                         text=True, timeout=120, check=True)  # fmt: skip
    plans, modules = json.loads(out.stdout.strip().splitlines()[-1])
    assert plans > 0
    assert "scrapy.core.downloader.handlers.http11" in modules  # what fetched the page
    assert {"aiohttp", "tldextract"} & set(modules) == set()
