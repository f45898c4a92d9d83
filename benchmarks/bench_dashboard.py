"""Dashboard: the Market view rendered through Streamlit's AppTest on the synthetic market,
cold (a fresh process, empty caches), against a trivial Streamlit script in the same process."""

from __future__ import annotations

import sys

from benchmarks.bench_engine import FULL_COMPETITORS, NIGHTS, QUICK
from benchmarks.harness import SCALES, Figure, child_json, log, run_child, scaled
from benchmarks.synth import PLANS, ensure_market

TARGET_S = 3.0


def run(quick: bool = False) -> list[Figure]:
    figures = []
    sizes = [QUICK] if quick else [(scaled(FULL_COMPETITORS, s), NIGHTS) for s in SCALES]
    for competitors, nights in sizes:
        path, _ = ensure_market(competitors, nights)
        completed, _, rss = run_child([sys.executable, "-m", "benchmarks.dashboard_child",
                                       str(path)], timeout=900)
        report = child_json(completed)
        ok = not report["errors"] and "Market" in report["title"]
        log(f"dashboard: {competitors * PLANS * nights:,} obs: cold {report['cold']:.2f} s")
        note = f"warm re-run {report['warm']:.2f} s; child peak RSS {rss:.0f} MB"
        if not ok:
            note += f"; RENDER FAILED: {report['errors'][:2]} titles {report['title']}"
        figures.append(Figure(
            "dashboard: Market view (AppTest, cold)",
            f"{competitors * PLANS * nights:,} obs ({competitors:,} competitors)",
            f"{report['cold'] / report['baseline']:.0f}x a trivial page",
            f"{report['cold']:.2f} s (trivial {report['baseline']:.2f} s)",
            f"< {TARGET_S:.0f} s", ok and report["cold"] < TARGET_S, note))
    return figures
