"""A generated pricing-page mirror (N pages, varied markup) and an nginx serving it on loopback.

Pages are the offline market's input.html pages (scrapers/market/snapshots) with their prices
scaled, each under its own host, wrapped in site chrome (navigation, footer, inline CSS and
script, no prices) of varying length so that a page weighs 15-45 KB like a real one. The
registry gives each page's competitor the country and currency of the page it came from.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from urllib.parse import urlsplit

from benchmarks.harness import WORK
from scrapers.market.snapshots import SNAPSHOTS_DIR
from scrapers.registry import load_registry

NGINX = "/usr/sbin/nginx"
PRICE = re.compile(r"(?P<symbol>[$£€])(?P<amount>\d{1,3}(?:,\d{3})*(?:\.\d+)?|\d+(?:\.\d+)?)")
WORDS = ("answering receptionist coverage calls scheduling intake bilingual overflow support "
         "dispatch voicemail integrations onboarding agents industries legal medical dental "
         "home services contractors reviews careers partners security compliance").split()


@dataclass(frozen=True)
class SourcePage:
    html: str
    url: str
    competitor_id: str


@dataclass(frozen=True)
class Mirror:
    root: Path
    registry: Path
    urls: list[str]  # real URLs, in registry order
    bytes_total: int


def source_pages() -> list[SourcePage]:
    """Every served page of the offline market whose competitor is in the registry and that
    gives plans over plain HTTP.

    Left out: pages of competitors rendered in a browser (the benchmark crawls without one, so
    their script-built tables would read as empty) and pages whose golden output has no plan.
    Either would leave a competitor without plans and end every benchmark run `degraded`.
    """
    plain_http = {c.id for c in load_registry() if c.render == "http"}
    pages = []
    for meta_path in sorted(SNAPSHOTS_DIR.glob("*/**/meta.json")):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        page = meta_path.with_name("input.html")
        golden = meta_path.with_name("output.json")
        if not (page.exists() and golden.exists()) or meta.get("competitor_id") not in plain_http:
            continue
        if not json.loads(golden.read_text(encoding="utf-8")).get("plans"):
            continue
        pages.append(SourcePage(page.read_text(encoding="utf-8"), meta["url"],
                                meta["competitor_id"]))
    if not pages:
        raise RuntimeError(f"no market pages under {SNAPSHOTS_DIR}")
    return pages


def scale_prices(html: str, factor: Decimal) -> str:
    """Every `$1,234.50`-style amount times `factor`, written with the same decimals."""
    def repl(match: re.Match[str]) -> str:
        text = match["amount"]
        places = len(text.split(".")[1]) if "." in text else 0
        value = (Decimal(text.replace(",", "")) * factor).quantize(
            Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        out = f"{value:,.{places}f}" if "," in text else f"{value:.{places}f}"
        return match["symbol"] + out

    return PRICE.sub(repl, html)


def chrome(rng: random.Random, host: str) -> tuple[str, str]:
    """Header and footer markup without prices: navigation, CSS, a script, marketing copy."""
    def words(n: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(n))

    nav = "".join(f'<li class="nav-item"><a href="/{w}/">{w.title()}</a></li>'
                  for w in (rng.choice(WORDS) for _ in range(rng.randint(20, 60))))
    css = "".join(f".c{i}{{margin:{i % 7}px;color:#{i * 4099 % 0xFFFFFF:06x}}}"
                  for i in range(rng.randint(80, 300)))
    script = "window.__STATE__=" + json.dumps(
        {"site": host, "blocks": [words(8) for _ in range(rng.randint(40, 160))]}) + ";"
    copy = "".join(f"<section class='c{i}'><h3>{words(3).title()}</h3><p>{words(60)}</p></section>"
                   for i in range(rng.randint(3, 12)))
    footer = "".join(f'<a href="/{w}">{w}</a> ' for w in (rng.choice(WORDS)
                                                            for _ in range(rng.randint(40, 120))))
    header = (f"<style>{css}</style><header><nav><ul>{nav}</ul></nav></header>")
    bottom = (f"<aside>{copy}</aside><footer>{footer}<p>{words(30)}</p></footer>"
              f"<script>{script}</script>")
    return header, bottom


def wrap(html: str, header: str, bottom: str) -> str:
    """Put the chrome inside <body> (or around the page when it has none)."""
    opened = re.search(r"<body[^>]*>", html, re.IGNORECASE)
    closed = html.lower().rfind("</body>")
    if not opened or closed < 0:
        return header + html + bottom
    return html[: opened.end()] + header + html[opened.end():closed] + bottom + html[closed:]


def toml_string(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string


def build(pages: int, root: Path | None = None, seed: int = 7) -> Mirror:
    """Write `pages` pages under root/<host>/<path>/index.html and a registry for them."""
    root = root or WORK / f"mirror-{pages}"
    if root.exists():
        shutil.rmtree(root)
    site = root / "site"
    site.mkdir(parents=True)
    (site / "robots.txt").write_text("User-agent: *\nAllow: /\n", encoding="utf-8")
    registry = {c.id: c for c in load_registry()}
    sources = source_pages()
    rng = random.Random(seed)
    entries: list[str] = []
    urls: list[str] = []
    total = 0
    for index in range(pages):
        source = sources[index % len(sources)]
        competitor = registry[source.competitor_id]
        parts = urlsplit(source.url)
        host = f"m{index:05d}-{parts.netloc}"
        url = f"https://{host}{parts.path or '/'}"
        factor = Decimal(rng.randint(80, 125)) / 100
        header, bottom = chrome(rng, host)
        html = wrap(scale_prices(source.html, factor), header, bottom)
        folder = site / host / parts.path.strip("/")
        folder.mkdir(parents=True, exist_ok=True)
        data = html.encode("utf-8")
        (folder / "index.html").write_bytes(data)
        total += len(data)
        urls.append(url)
        ident = f"m{index:05d}-{competitor.id}"
        entries.append("\n".join([
            "[[competitor]]",
            f"id = {toml_string(ident)}",
            f"name = {toml_string(competitor.name + f' #{index}')}",
            f"website = {toml_string(f'https://{host}/')}",
            f"country = {toml_string(competitor.country)}",
            f"currency = {toml_string(competitor.currency)}",
            f"delivery = {toml_string(competitor.delivery)}",
            f"service_type = {toml_string(competitor.service_type)}",
            f"verticals = {json.dumps(list(competitor.verticals))}",
            f"pricing_urls = [{toml_string(url)}]",
            f"billing_notes = {toml_string(competitor.billing_notes)}",
            "",
        ]))
    registry_path = root / "registry.toml"
    registry_path.write_text("\n".join(entries), encoding="utf-8")
    return Mirror(site, registry_path, urls, total)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def nginx_conf(root: Path, work: Path, port: int) -> str:
    temp = work / "tmp"
    user = ""
    if os.geteuid() == 0:  # workers would drop to `nobody`, which may not read the tree
        user = "user root;"
    return f"""
{user}
daemon off;
master_process on;
worker_processes 1;
pid {work / 'nginx.pid'};
error_log {work / 'error.log'} warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {temp / 'body'};
    proxy_temp_path {temp / 'proxy'};
    fastcgi_temp_path {temp / 'fastcgi'};
    uwsgi_temp_path {temp / 'uwsgi'};
    scgi_temp_path {temp / 'scgi'};
    types {{ }}
    default_type "text/html; charset=utf-8";
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        location = /robots.txt {{ default_type text/plain; }}
        location / {{ try_files $uri/index.html $uri =404; }}
    }}
}}
"""


@contextmanager
def serve(root: Path, timeout: float = 10.0) -> Iterator[str]:
    """nginx serving `root` on 127.0.0.1:<random port> as our child; yields the base URL."""
    work = root.parent / "nginx"
    (work / "tmp").mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = work / "nginx.conf"
    conf.write_text(nginx_conf(root, work, port), encoding="utf-8")
    proc = subprocess.Popen([NGINX, "-p", str(work), "-c", str(conf)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"nginx exited {proc.returncode}: {proc.stderr.read() if proc.stderr else ''}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"nginx did not listen on 127.0.0.1:{port}") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()  # SIGTERM: nginx's fast shutdown of master and worker
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
