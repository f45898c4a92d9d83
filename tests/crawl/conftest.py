"""Fixtures for crawl tests: a loopback site with faults on demand, registries, the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURE_PAGE = REPO / "scrapers" / "spiders" / "fixtures" / "ruby_pricing.html"
# Crawl settings that keep a loopback crawl to seconds: no politeness delays, short timeout.
FAST = (
    "-s", "AUTOTHROTTLE_ENABLED=False",
    "-s", "DOWNLOAD_DELAY=0",
    "-s", "RETRY_BACKOFF_BASE=0",
    "-s", "RETRY_TIMES=1",
    "-s", "DOWNLOAD_TIMEOUT=2",
    "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8",
)  # fmt: skip


@dataclass
class Route:
    """What the site answers on one path."""

    status: int = 200
    body: bytes = b""
    content_type: str | None = "text/html; charset=utf-8"
    location: str | None = None
    delay: float = 0.0


@dataclass
class Site:
    """A mirror-shaped loopback site: `/<host>/<path>` routes, a root robots.txt, a request log."""

    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    url: str = ""

    def page(self, path: str, body: bytes, **kwargs: object) -> None:
        self.routes[path] = Route(body=body, **kwargs)  # type: ignore[arg-type]

    def hits(self, path: str) -> int:
        return sum(1 for p in self.requests if p == path)


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            site.requests.append(self.path)
            route = site.routes.get(self.path)
            if route is None:
                route = Route(status=404, body=b"<html><body>not found</body></html>")
            if route.delay:
                time.sleep(route.delay)
            try:
                self.send_response(route.status)
                if route.content_type:
                    self.send_header("Content-Type", route.content_type)
                if route.location:
                    self.send_header("Location", route.location)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the crawler gave up waiting (timeout tests)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    return Handler


@contextmanager
def serve_site() -> Iterator[Site]:
    """A loopback site on a free port, shut down on exit."""
    state = Site()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def site() -> Iterator[Site]:
    """A loopback site for one test."""
    with serve_site() as state:
        yield state


def write_registry(path: Path, competitors: dict[str, list[str]]) -> Path:
    """A registry TOML with one US answering service per id, each with its pricing URLs."""
    blocks = []
    for ident, urls in competitors.items():
        url_list = ", ".join(f'"{u}"' for u in urls)
        blocks.append(
            f"""[[competitor]]
id = "{ident}"
name = "{ident.title()} Answering"
website = "https://{ident}.example.com/"
country = "US"
currency = "USD"
delivery = "domestic"
service_type = "answering_service"
verticals = ["general"]
pricing_urls = [{url_list}]
billing_notes = "test entry"
"""
        )
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


def run_ratebench(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`python -m ratebench ARGS` in a child process (the Twisted reactor cannot restart)."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    env.pop("RATEBENCH_DB", None)
    return subprocess.run(
        [sys.executable, "-m", "ratebench", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def crawl(site: Site, db: Path, registry: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """`ratebench crawl` of the site as a mirror, fast settings, into `db`."""
    return run_ratebench(
        "crawl", "--mirror", site.url, "--db", str(db), "--registry", str(registry), *FAST, *extra
    )


def query(db: Path, sql: str, params: list[object] | None = None) -> list[tuple]:
    """Rows of one query on a read-only connection closed at once."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()
