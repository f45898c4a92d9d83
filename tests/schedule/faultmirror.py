"""A tiny loopback mirror of the market snapshots that misbehaves on demand.

Modes (set `mirror.mode`, per host with `mirror.host_modes[host]`): "ok"; "status:503" or
"status:429" (every answer that status, as an overloaded site does); "slow:SECONDS" (sleep before
answering, to trip the crawl's download timeout); "thin" (the page without its pricing, so a
competitor's plans drop); "gated" (set `mirror.asked` and hold every page until `mirror.gate` is
set, so a crawl stays under way as long as a test needs). `mirror.stop()` takes it down:
connections are refused.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SNAPSHOTS = Path(__file__).resolve().parents[2] / "scrapers" / "market" / "snapshots"
THIN_PAGE = b"<html><head><title>Pricing</title></head><body><p>Call us.</p></body></html>"


BASE_SNAPSHOT = "2026-10-07"  # the first, complete snapshot of the offline market


class FaultMirror:
    def __init__(self, snapshot: Path | None = None) -> None:
        self.root = snapshot or SNAPSHOTS / BASE_SNAPSHOT
        self.mode = "ok"
        self.host_modes: dict[str, str] = {}
        self.hits: Counter[str] = Counter()
        self.gate = threading.Event()
        self.asked = threading.Event()  # a page was requested (a crawl is under way)
        mirror = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                path = self.path.split("?")[0]
                if path == "/robots.txt":
                    return self._send(200, b"User-agent: *\nAllow: /\n", "text/plain")
                host, _, rest = path.lstrip("/").partition("/")
                mirror.hits[host] += 1
                mode = mirror.host_modes.get(host, mirror.mode)
                if mode.startswith("status:"):
                    return self._send(int(mode.split(":")[1]), b"busy", "text/plain")
                if mode.startswith("slow:"):
                    time.sleep(float(mode.split(":")[1]))
                if mode == "gated":
                    mirror.asked.set()
                    mirror.gate.wait(timeout=120)
                page = mirror.root / host / rest.strip("/") / "input.html"
                if not page.is_file():
                    return self._send(404, b"not in snapshot", "text/plain")
                body = THIN_PAGE if mode == "thin" else page.read_bytes()
                self._send(200, body, "text/html; charset=utf-8")

            def _send(self, status: int, body: bytes, content_type: str) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the crawler gave up waiting (timeout test)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> FaultMirror:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def host_of(url: str) -> str:
    return re.sub(r"^https?://", "", url).split("/")[0]
