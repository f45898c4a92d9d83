"""The suite's entry point: run the chosen benchmarks, print the table, write RESULTS.md."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks.harness import ROOT, Figure, log, render_table, write_results

RESULTS = ROOT / "benchmarks" / "RESULTS.md"


def _suites() -> dict[str, Callable[[bool], list[Figure]]]:
    # Imported lazily: a suite's heavy imports (Scrapy, Streamlit) only when it runs.
    def crawl(quick: bool) -> list[Figure]:
        from benchmarks import bench_crawl

        return bench_crawl.run(quick)

    def browser(quick: bool) -> list[Figure]:
        from benchmarks import bench_browser

        return bench_browser.run(quick)

    def writes(quick: bool) -> list[Figure]:
        from benchmarks import bench_writes

        return bench_writes.run(quick)

    def engine(quick: bool) -> list[Figure]:
        from benchmarks import bench_engine

        return bench_engine.run(quick)

    def dashboard(quick: bool) -> list[Figure]:
        from benchmarks import bench_dashboard

        return bench_dashboard.run(quick)

    return {
        "crawl": crawl,
        "browser": browser,
        "writes": writes,
        "engine": engine,
        "dashboard": dashboard,
    }


NOTES = [
    "- Each figure is measured at 10%, 30% and 100% of its size (growth); ratios compare "
    "against a baseline run in the same invocation.",
    "- Crawl: both crawls are child processes over nginx on 127.0.0.1 with the same "
    "concurrency settings (CONCURRENT_REQUESTS, CONCURRENT_ITEMS, the scheduler's priority "
    "queue), politeness delays and AutoThrottle off, each timed from `process.crawl()` to the "
    "reactor's stop; each side is the best of 2 runs. CPU is counted over the same span. Peak "
    "RSS is the crawl child's own VmHWM plus its extraction worker's (a child's ru_maxrss would "
    "count the benchmark runner's own peak, inherited through fork and exec). Every mirror page has its own host (its "
    "own downloader slot in the full crawl); the mirror serves one robots.txt, which the full "
    "crawl fetches and obeys and the bare one does not.",
    "- Engine: the synthetic market (competitors x 10 plans x 1,000 nights) is generated inside "
    "DuckDB (benchmarks/sql/synth_market.sql); pandas runs on a DataFrame loaded beforehand.",
    "- Why a target is missed or close, what was changed, and this machine's run-to-run "
    "variance: benchmarks/ANALYSIS.md (kept by hand; this file is rewritten on every run).",
]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    parser.add_argument("--only", default="", help="comma-separated: crawl,browser,writes,engine,dashboard")
    parser.add_argument("--out", type=Path, default=None,
                        help="results file (default benchmarks/RESULTS.md; --quick: none)")
    args = parser.parse_args(argv)
    suites = _suites()
    chosen = [s.strip() for s in args.only.split(",") if s.strip()] or list(suites)
    unknown = [s for s in chosen if s not in suites]
    if unknown:
        parser.error(f"--only: unknown benchmark {', '.join(unknown)} "
                     f"(choose from {', '.join(suites)})")
    started = time.perf_counter()
    figures: list[Figure] = []
    for name in chosen:
        log(f"== {name}")
        figures += suites[name](args.quick)
    table = render_table(figures)
    print(table)
    out = args.out or (None if args.quick else RESULTS)
    if out is not None:
        write_results(out, figures, NOTES, seconds=time.perf_counter() - started,
                      argv=list(argv) if argv is not None else _argv())
        log(f"wrote {out}")
    return 0


def _argv() -> list[str]:
    import sys

    return sys.argv[1:]
