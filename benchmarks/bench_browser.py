"""Browser pages' fetch cost against plain HTTP pages, through the real `ratebench crawl`.

Two kinds of crawl of the offline mirror (scrapers.market.server on 127.0.0.1), each a child
process: the JS-only pages (`render = "browser"`: RingCentral AIR, Rosie, Trillet) through
scrapy-playwright and chromium-headless-shell, and three plain HTTP AI-receptionist pages
(Dialzara, Upfirst, Ringly). Each page is listed `copies` times in a temporary registry; the
marginal cost of a page is (time of the big crawl - time of the one-copy crawl) / extra pages,
so process start-up and the browser launch are reported apart from the per-page cost.

Run: `python benchmarks/bench_browser.py [--copies N]` (or `run()` from the suite).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.harness import Figure, log, run_child  # noqa: E402
from scrapers.browser import CHROMIUM  # noqa: E402
from scrapers.market.server import MarketServer  # noqa: E402
from scrapers.registry import registry_by_id  # noqa: E402

BROWSER_IDS = ("ringcentral-air", "rosie", "trillet")
HTTP_IDS = ("dialzara", "upfirst", "ringly")
SNAPSHOT = "2026-10-07"
HTTP_COPIES_FACTOR = 10
FAST = ("-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "RETRY_BACKOFF_BASE=0")


def _registry(path: Path, ids: tuple[str, ...], copies: int) -> int:
    """A registry listing each competitor's pages `copies` times (ids suffixed); page count."""
    known = registry_by_id()
    blocks = []
    for ident in ids:
        c = known[ident]
        for n in range(copies):
            urls = ", ".join(f'"{u}"' for u in c.pricing_urls)
            blocks.append(
                f'[[competitor]]\nid = "{ident}-{n}"\nname = "{c.name}"\nwebsite = "{c.website}"\n'
                f'country = "{c.country}"\ncurrency = "{c.currency}"\ndelivery = "{c.delivery}"\n'
                f'service_type = "{c.service_type}"\nverticals = ["general"]\n'
                f'pricing_urls = [{urls}]\nbilling_notes = "benchmark copy"\nrender = "{c.render}"\n'
            )
    path.write_text("\n".join(blocks), encoding="utf-8")
    return len(ids) * copies


def _crawl(base: str, work: Path, ids: tuple[str, ...], copies: int) -> tuple[int, float, float]:
    """(pages, wall seconds, peak RSS MB of the crawl child) for one crawl."""
    registry = work / f"registry-{ids[0]}-{copies}.toml"
    pages = _registry(registry, ids, copies)
    db = work / f"bench-{ids[0]}-{copies}.duckdb"
    args = [sys.executable, "-m", "ratebench", "crawl", "--mirror", base, "--registry",
            str(registry), "--db", str(db), "-q", *FAST]  # fmt: skip
    completed, seconds, rss = run_child(args, timeout=600)
    if completed.returncode != 0:
        raise RuntimeError(f"crawl failed ({completed.returncode}):\n{completed.stderr[-2000:]}")
    return pages, seconds, rss


def run(quick: bool = False, copies: int | None = None) -> list[Figure]:
    if not Path(CHROMIUM).exists():
        log(f"bench_browser: {CHROMIUM} is absent; skipped")
        return []
    copies = copies or (3 if quick else 10)
    # A plain page costs a few ms: its crawl lists 10x the pages, and each crawl's faster of two
    # runs counts, or the process start-up's noise would swamp (even reverse) the difference.
    plan = {"http": (HTTP_IDS, copies * HTTP_COPIES_FACTOR, 2), "browser": (BROWSER_IDS, copies, 1)}
    with tempfile.TemporaryDirectory() as tmp, MarketServer(snapshot=SNAPSHOT) as server:
        work = Path(tmp)
        cost: dict[str, tuple[float, float, float]] = {}
        for kind, (ids, kind_copies, runs) in plan.items():
            small = min((_crawl(server.url, work, ids, 1) for _ in range(runs)),
                        key=lambda r: r[1])
            big = min((_crawl(server.url, work, ids, kind_copies) for _ in range(runs)),
                      key=lambda r: r[1])
            (small_pages, small_s, _), (big_pages, big_s, rss) = small, big
            per_page = (big_s - small_s) / (big_pages - small_pages)
            if kind_copies != copies:  # memory is compared at the same page count
                rss = _crawl(server.url, work, ids, copies)[2]
            cost[kind] = (per_page, small_s, rss)
            log(f"{kind}: {small_pages} pages {small_s:.2f} s, {big_pages} pages {big_s:.2f} s, "
                f"{per_page * 1000:.0f} ms/page marginal, peak RSS {rss:.0f} MB")  # fmt: skip
    http_page, http_start, http_rss = cost["http"]
    browser_page, browser_start, browser_rss = cost["browser"]
    size = f"{copies * 3} browser pages, {copies * HTTP_COPIES_FACTOR * 3} plain"
    ratio = (f"{browser_page / http_page:.1f}x plain HTTP page" if http_page > 0
             else "plain HTTP page below measurement noise")
    return [
        Figure(
            "browser page fetch cost", size, ratio,
            f"{browser_page * 1000:.0f} ms/page vs {http_page * 1000:.1f} ms/page",
            note="marginal wall time per page, 3 hosts in parallel, one request at a time per "
                 "host; Trillet's page reveals prices after 500 ms by design",
        ),
        Figure(
            "browser crawl start-up", "3 pages", f"{browser_start / http_start:.2f}x plain HTTP crawl",
            f"{browser_start:.2f} s vs {http_start:.2f} s (child process, 3 pages)",
        ),
        Figure(
            "browser crawl peak RSS", f"{copies * 3} pages each", f"{browser_rss / http_rss:.2f}x plain HTTP crawl",
            f"{browser_rss:.0f} MB vs {http_rss:.0f} MB (crawl process only, not Chromium's)",
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=10, help="copies of each page (default 10)")
    args = parser.parse_args()
    figures = run(copies=args.copies)
    if not figures:
        return 2
    for figure in figures:
        print(f"{figure.figure:26s} {figure.ratio:30s} {figure.absolute}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
