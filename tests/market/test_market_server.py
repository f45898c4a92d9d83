"""The mirror over real HTTP on loopback: pages, layering, 404/301/500, robots.txt, CLI."""

from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request
from http.client import HTTPConnection
from urllib.parse import urlsplit

import pytest

from scrapers.market.server import MarketServer
from scrapers.market.snapshots import SNAPSHOTS_DIR, SnapshotError


def _get(server: MarketServer, path: str) -> tuple[int, dict[str, str], bytes]:
    """One request without following redirects."""
    conn = HTTPConnection(server.host, server.port, timeout=5)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def test_serves_a_page_as_utf8_html(served_second: MarketServer) -> None:
    status, headers, body = _get(served_second, "/www.ruby.com/pricing/")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    expected = (SNAPSHOTS_DIR / served_second.snapshot / "www.ruby.com/pricing/input.html").read_bytes()
    assert body == expected and b"265" in body
    # With or without the trailing slash, and URL paths that end in a file name.
    assert _get(served_second, "/www.ruby.com/pricing")[0] == 200
    assert _get(served_second, "/www.csnotepad.co.uk/telephone-answering-pricing.php")[0] == 200


def test_unchanged_page_falls_through_to_the_older_snapshot(
    served_second: MarketServer, snapshots: list[str]
) -> None:
    assert not (SNAPSHOTS_DIR / snapshots[1] / "www.davincivirtual.com").exists()
    status, _, body = _get(served_second, "/www.davincivirtual.com/virtual-receptionist/")
    older = SNAPSHOTS_DIR / snapshots[0] / "www.davincivirtual.com/virtual-receptionist/input.html"
    assert status == 200 and body == older.read_bytes()


def test_removed_redirect_error_and_unknown(served_second: MarketServer) -> None:
    assert _get(served_second, "/www.ruby.com/plans-and-pricing/")[0] == 404
    status, headers, _ = _get(served_second, "/www.voicenation.com/pricing/")
    assert status == 301
    assert headers["Location"] == f"{served_second.url}/www.moneypenny.com/us/pricing/"
    assert _get(served_second, "/www.signius.com/pricing/")[0] == 500
    assert _get(served_second, "/answeringservicecare.com/pricing.md")[0] == 403
    assert _get(served_second, "/www.nowhere.example/pricing/")[0] == 404
    assert _get(served_second, "/../../etc/passwd")[0] == 404


def test_urllib_follows_the_redirect_to_the_final_page(served_second: MarketServer) -> None:
    with urllib.request.urlopen(f"{served_second.url}/www.voicenation.com/pricing/") as response:
        assert urlsplit(response.url).path == "/www.moneypenny.com/us/pricing/"
        assert b"Moneypenny" in response.read()


def test_the_500_is_only_in_one_snapshot(snapshots: list[str]) -> None:
    statuses = []
    for snapshot in snapshots:
        with MarketServer(snapshot) as server:
            statuses.append(_get(server, "/www.signius.com/pricing/")[0])
    assert statuses.count(500) == 1 and statuses[1] == 500
    assert statuses[0] == 200


def test_root_robots_txt_merges_hosts(served_second: MarketServer) -> None:
    status, headers, body = _get(served_second, "/robots.txt")
    text = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert "Disallow: /answeringservicecare.com/\n" in text
    assert "Disallow: /www.patlive.com/checkout/\n" in text
    assert "Sitemap" not in text
    # Each host's own file is served too, as layered.
    status, _, body = _get(served_second, "/www.ruby.com/robots.txt")
    assert status == 200 and b"Disallow: /wp-admin/" in body


def test_binds_loopback_on_a_random_port(served_second: MarketServer) -> None:
    assert served_second.host == "127.0.0.1"
    assert served_second.url == f"http://127.0.0.1:{served_second.port}"
    assert served_second.port not in (0, 8765)


def test_unknown_snapshot_lists_the_available_ones(snapshots: list[str]) -> None:
    with pytest.raises(SnapshotError, match=rf"unknown snapshot '1999-01-01'; available: {snapshots[0]}"):
        MarketServer("1999-01-01")


def test_cli_serve_prints_the_url_and_serves(snapshots: list[str]) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "ratebench", "market", "serve", "--snapshot", snapshots[0], "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert snapshots[0] in line
        url = line.split(" at ", 1)[1].split()[0].rstrip("/")
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(f"{url}/www.patlive.com/pricing/", timeout=5) as response:
            assert b"<sup>$</sup>99<sub>/mo</sub>" in response.read()
    finally:
        proc.terminate()
        proc.wait(timeout=5)


def test_cli_rejects_unknown_snapshot_with_exit_2() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ratebench", "market", "serve", "--snapshot", "nope"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "unknown snapshot 'nope'; available:" in result.stderr


def test_cli_list_counts_pages(snapshots: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ratebench", "market", "list"], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0
    rows = [line.split() for line in result.stdout.splitlines()[1:]]
    assert [row[0] for row in rows] == snapshots
    assert all(int(row[1]) >= 25 for row in rows)


def test_http_error_via_urllib(served_second: MarketServer) -> None:
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(f"{served_second.url}/www.signius.com/pricing/")
    assert info.value.code == 500
