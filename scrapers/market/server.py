"""Serve one snapshot of the offline market over HTTP on loopback.

Each original host is the first path segment: ``/www.ruby.com/pricing/``. The root
``/robots.txt`` merges every host's rules (host prefixed) so a standard robots.txt
middleware obeys them on the mirror.
"""

from __future__ import annotations

import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType

from scrapers.market.snapshots import (
    SNAPSHOTS_DIR,
    available_snapshots,
    check_snapshot,
    merged_robots,
    resolve,
)

__all__ = ["MarketServer", "available_snapshots", "resolve"]

# Non-HTML files served as they are from a snapshot's host folder (layered like pages).
STATIC_TYPES = {".json": "application/json; charset=utf-8"}


class _Handler(BaseHTTPRequestHandler):
    server: _MarketHTTPServer
    server_version = "ratebench-market/1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        # Quiet: a crawl makes hundreds of requests; tests and demos read their own output.
        pass

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def _answer(self, send_body: bool) -> None:
        snapshot, root = self.server.snapshot, self.server.root
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if path == "/robots.txt":
            body = merged_robots(snapshot, root).encode()
            return self._send(200, body, "text/plain; charset=utf-8", send_body)
        if path.rstrip("/").endswith("/robots.txt") and path.count("/") == 2:
            file = _layered_file(root, snapshot, path.strip("/"))
            if file is not None:
                return self._send(200, file.read_bytes(), "text/plain; charset=utf-8", send_body)
        resolution = resolve(snapshot, path, root)
        if resolution.status == 404 and resolution.source is None:
            # No page and no rule: a data file a page's script loads (e.g. /host/api/pricing.json).
            kind = STATIC_TYPES.get(Path(path).suffix.lower())
            safe = kind is not None and ".." not in path.split("/")
            file = _layered_file(root, snapshot, path.strip("/")) if safe else None
            if kind is not None and file is not None:
                return self._send(200, file.read_bytes(), kind, send_body)
        if resolution.status == 200 and resolution.folder is not None:
            body = (resolution.folder / "input.html").read_bytes()
            return self._send(200, body, "text/html; charset=utf-8", send_body)
        if resolution.status == 301 and resolution.location is not None:
            location = f"http://{self.headers.get('Host') or self.server.netloc}{resolution.location}"
            return self._send(
                301, b"Moved Permanently\n", "text/plain; charset=utf-8", send_body, location
            )
        status = resolution.status
        phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
        return self._send(status, f"{status} {phrase}\n".encode(), "text/plain; charset=utf-8", send_body)

    def _send(
        self, status: int, body: bytes, content_type: str, send_body: bool, location: str | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Ratebench-Snapshot", self.server.snapshot)
        if location:
            self.send_header("Location", location)
        self.end_headers()
        if send_body:
            self.wfile.write(body)


def _layered_file(root: Path, snapshot: str, relative: str) -> Path | None:
    for date in reversed(available_snapshots(root)):
        if date <= snapshot and (root / date / relative).is_file():
            return root / date / relative
    return None


class _MarketHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    snapshot: str
    root: Path
    netloc: str


class MarketServer:
    """The offline market on http://127.0.0.1:PORT, in a daemon thread; a context manager.

    ``port=0`` picks a free port. Binds 127.0.0.1 unless another host is passed explicitly.
    """

    def __init__(
        self,
        snapshot: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        root: Path = SNAPSHOTS_DIR,
    ) -> None:
        self.snapshot = check_snapshot(snapshot, root)
        self.root = root
        self._httpd = _MarketHTTPServer((host, port), _Handler)
        self._httpd.snapshot = self.snapshot
        self._httpd.root = root
        bound_host, bound_port = self._httpd.server_address[:2]
        self.host, self.port = str(bound_host), int(bound_port)
        self._httpd.netloc = f"{self.host}:{self.port}"
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL, e.g. http://127.0.0.1:8765 (no trailing slash)."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> MarketServer:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, name=f"market-{self.snapshot}", daemon=True
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (the CLI's foreground mode)."""
        try:
            self._httpd.serve_forever()
        finally:
            self._httpd.server_close()

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> MarketServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
