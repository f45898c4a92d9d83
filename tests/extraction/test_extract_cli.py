"""`ratebench extract` on a file and over HTTP (a loopback server), as a child process."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PAGE = (
    "<html lang='en-CA'><body><div class=p><h3>Solo</h3><p>$89/mo</p><p>40 minutes</p></div>"
    "<div class=p><h3>Team</h3><p>$199/mo</p><p>120 minutes</p></div></body></html>"
)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ratebench.cli", "extract", *args],
        capture_output=True, text=True, timeout=20,
    )


def test_extract_file_prints_contract(tmp_path: Path) -> None:
    page = tmp_path / "p.html"
    page.write_text(PAGE)
    proc = _run(str(page), "--url", "https://x.ca/pricing")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["url"] == "https://x.ca/pricing"
    assert [(p["name"], p["price"], p["currency"], p["included_minutes"]) for p in out["plans"]] == [
        ("Solo", 89, "CAD", 40), ("Team", 199, "CAD", 120)
    ]


def test_extract_url_over_loopback() -> None:
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            seen.append(self.headers.get("User-Agent", ""))
            body = PAGE.encode()
            self.send_response(200 if self.path == "/pricing" else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        proc = _run(f"{base}/pricing")
        assert proc.returncode == 0, proc.stderr
        assert [p["price"] for p in json.loads(proc.stdout)["plans"]] == [89, 199]
        assert "ratebench" in seen[0]
        missing = _run(f"{base}/gone")
        assert missing.returncode == 2 and "HTTP 404" in missing.stderr
    finally:
        server.shutdown()
