"""Extraction time per page over the offline mirror: median and p95 (all layers, and generic).

Run: `python benchmarks/bench_extraction.py [--repeat N]`. A benchmark, not a test.
Every run of a page is a first read: the text readers' memos are cleared before it, so repeats
do not reuse the answers of the run before.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scrapers.extraction import ALL_LAYERS, extract_plans, ratetext  # noqa: E402
from scrapers.extraction.evaluate import discover, registry_hints  # noqa: E402


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each page (default 5)")
    args = parser.parse_args()
    cases = discover("mirror")
    if not cases:
        print("no mirror pages found under scrapers/market/snapshots", file=sys.stderr)
        return 2
    hints = registry_hints()
    pages = [(c, c.html(), hints.get(c.competitor_id or "", (None, None))) for c in cases]
    for layers in (ALL_LAYERS, ("generic",)):
        times: list[float] = []
        for _ in range(args.repeat):
            for case, html, (country, currency) in pages:
                ratetext.clear_memos()
                start = time.perf_counter()
                extract_plans(html, case.url, country=country, currency=currency, layers=layers)
                times.append(time.perf_counter() - start)
        size = statistics.median(len(h) for _, h, _ in pages) / 1000
        print(
            f"layers={','.join(layers):36s} pages={len(pages)} runs={len(times)} "
            f"median={statistics.median(times) * 1000:.1f} ms p95={_p95(times) * 1000:.1f} ms "
            f"max={max(times) * 1000:.1f} ms (median page {size:.0f} KB)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
