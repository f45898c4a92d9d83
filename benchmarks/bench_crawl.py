"""Crawl throughput and memory: the full pipeline against a bare Scrapy spider, over nginx.

Both crawls run as child processes against the same generated mirror (benchmarks/mirror.py)
served by nginx on 127.0.0.1, with the same concurrency and politeness delays off.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from benchmarks import mirror
from benchmarks.harness import SCALES, WORK, Figure, child_json, log, run_child, scaled

FULL_PAGES = 2000
QUICK_PAGES = 30
CONCURRENCY = 16
TARGET_RATIO = 0.7
TARGET_RSS_MB = 500
# Each crawl pair runs this many times (bare, full, bare, full) and each side keeps its fastest
# run: on a 2-core machine a single run swings by 2x with whatever else is running.
REPEATS = 2


def crawl_once(site: mirror.Mirror, base: str, label: str) -> tuple[dict, dict, float]:
    """(bare report, full report, full crawl's peak RSS in MB) over a served mirror."""
    urls_file = site.root.parent / "urls.txt"
    urls_file.write_text("\n".join(site.urls) + "\n", encoding="utf-8")
    db = WORK / f"crawl-{label}.duckdb"
    for stale in (db, db.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    py = sys.executable
    bare_proc, _, _ = run_child([py, "-m", "benchmarks.crawl_child", "bare", "--mirror", base,
                                 "--urls", str(urls_file), "--concurrency", str(CONCURRENCY)])
    bare = child_json(bare_proc)
    full_proc, _, _ = run_child([py, "-m", "benchmarks.crawl_child", "full", "--mirror", base,
                                   "--registry", str(site.registry), "--db", str(db),
                                   "--concurrency", str(CONCURRENCY)])
    full = child_json(full_proc)
    # The crawl's own peak as it read it at exit (VmHWM, exact), plus its extraction worker's.
    return bare, full, full["peak_rss_mb"] + full.get("workers_peak_rss_mb", 0.0)


def run(quick: bool = False) -> list[Figure]:
    figures: list[Figure] = []
    sizes = [QUICK_PAGES] if quick else [scaled(FULL_PAGES, s) for s in SCALES]
    for pages in sizes:
        site = mirror.build(pages)
        log(f"crawl: {pages} pages ({site.bytes_total / pages / 1024:.0f} KB average)")
        with mirror.serve(site.root) as base:
            runs = [crawl_once(site, base, str(pages)) for _ in range(1 if quick else REPEATS)]
        bare = max((r[0] for r in runs), key=lambda b: b["pages"] / b["seconds"])
        full = max((r[1] for r in runs), key=lambda f: f["pages"] / f["seconds"])
        peak = max(runs, key=lambda r: r[2])
        rss, workers_rss = peak[2], peak[1].get("workers_peak_rss_mb", 0.0)
        bare_rate = bare["pages"] / bare["seconds"]
        full_rate = full["pages"] / full["seconds"]
        ratio = full_rate / bare_rate
        # Complete work: every page fetched by both, and a run the crawl itself judged `ok`
        # (every competitor gave plans; nothing was refused or failed).
        complete = (full["pages"] == pages and bare["pages"] == pages
                    and full["status"] == "ok")
        note = (f"best of {len(runs)}: bare {bare['pages']} pages in {bare['seconds']:.2f} s; "
                f"full {full['pages']} ok, "
                f"{full.get('failed', 0)} failed, {full['plans']} plans, {full['rejects']} "
                f"rejects, run {full['status']}, {full['seconds']:.2f} s")
        ceiling = cpu_ceiling(pages, bare, full)
        note += f"; CPU alone allows {ceiling:.2f}x here (see CPU per page)"
        if ceiling < TARGET_RATIO:
            note += ", below the target whatever the overlap"
        if not complete:
            note += f"; INCOMPLETE: run {full['status']}, {full.get('errors')}"
        size = f"{pages:,} pages, {site.bytes_total / pages / 1024:.0f} KB avg"
        figures.append(Figure(
            "crawl: full pipeline vs bare Scrapy", size, f"{ratio:.2f}x bare Scrapy",
            f"{full_rate:.0f} pages/s (bare {bare_rate:.0f})", f">= {TARGET_RATIO}x",
            complete and ratio >= TARGET_RATIO, note))
        figures.append(phase_figure(size, pages, bare, full))
        figures.append(cpu_figure(size, pages, bare, full))
        figures.append(Figure(
            "crawl: peak memory (RSS)", size, f"{rss / bare['peak_rss_mb']:.1f}x bare Scrapy",
            f"{rss:.0f} MB (bare {bare['peak_rss_mb']:.0f} MB)", f"< {TARGET_RSS_MB} MB",
            rss < TARGET_RSS_MB,
            f"crawl process {rss - workers_rss:.0f} MB + extraction worker(s) {workers_rss:.0f} MB "
            "(their own VmHWM), the larger of the runs"))
    return figures


def phase_figure(size: str, pages: int, bare: dict[str, Any], full: dict[str, Any]) -> Figure:
    """Each crawl's time split at its first and last response, and the rate ratio of the
    fetching phase alone: how far apart the crawls are once both are running steadily."""
    def split(report: dict[str, Any]) -> str:
        return (f"start-up {report['start_s']:.2f} + fetching {report['fetch_s']:.2f} + "
                f"closing {report['close_s']:.2f} s")

    if not all(key in report for report in (bare, full) for key in ("start_s", "fetch_s")):
        return Figure("crawl: time by phase", size, "n/a", "no response clock in the reports")
    steady = bare["fetch_s"] / full["fetch_s"] if full["fetch_s"] else 0.0
    return Figure(
        "crawl: time by phase", size, f"{steady:.2f}x bare Scrapy while fetching",
        f"full: {split(full)}; bare: {split(bare)}", "", None,
        f"fetching: from the first response to the last ({pages / full['fetch_s']:.0f} vs "
        f"{pages / bare['fetch_s']:.0f} pages/s); start-up: the engine, the pipelines' and "
        "monitors' opening (the run row) and the first fetch; closing: the last extractions, "
        "the rest of the store's write (begun when the last page was fetched) and its commit, the "
        "close monitors; of the runs above",
    )


def cpu_ceiling(pages: int, bare: dict[str, Any], full: dict[str, Any]) -> float:
    """The highest rate ratio to the bare spider that the full crawl's CPU allows on this
    machine: every core busy all the time, the crawl process (one thread of Scrapy) on one core
    at most, nginx's CPU left out."""
    cores = os.cpu_count() or 1
    main_ms = full["cpu_s"] / pages * 1000
    full_ms = main_ms + full["worker_cpu_s"] / pages * 1000
    ceiling_rate = min(cores / full_ms, 1 / main_ms) * 1000  # pages/s
    return ceiling_rate / (bare["pages"] / bare["seconds"])


def cpu_figure(size: str, pages: int, bare: dict[str, Any], full: dict[str, Any]) -> Figure:
    """CPU per page of both crawls, and the rate ratio that CPU alone allows on this machine.

    The ceiling assumes perfect overlap: every core busy, no waiting. The crawl process runs
    Scrapy on one thread, so it also can't go faster than one core's worth of its own work.
    nginx's CPU is left out of both, so the ceiling is generous.
    """
    cores = os.cpu_count() or 1
    bare_ms = bare["cpu_s"] / bare["pages"] * 1000
    main_ms = full["cpu_s"] / pages * 1000
    worker_ms = full["worker_cpu_s"] / pages * 1000
    full_ms = main_ms + worker_ms
    ceiling = cpu_ceiling(pages, bare, full)
    return Figure(
        "crawl: CPU per page", size, f"{full_ms / bare_ms:.1f}x bare Scrapy",
        f"{full_ms:.2f} ms/page (crawl process {main_ms:.2f} + extraction worker "
        f"{worker_ms:.2f}; bare {bare_ms:.2f})", "", None,
        f"CPU alone caps the full crawl at {ceiling:.2f}x bare Scrapy's rate on {cores} cores "
        f"(every core busy, the crawl process at most one core); of the runs above",
    )
