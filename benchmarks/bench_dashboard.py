"""Dashboard: the Market view rendered through Streamlit's AppTest on the synthetic market,
cold (a fresh process, empty caches), against a trivial Streamlit script in the same process."""

from __future__ import annotations

import sys

from benchmarks.bench_engine import FULL_COMPETITORS, NIGHTS, QUICK
from benchmarks.harness import SCALES, Figure, child_json, log, run_child, scaled
from benchmarks.synth import PLANS, ensure_market

TARGET_S = 3.0
TIMEOUT_S = 300.0
# A size is skipped when the last render, grown in proportion, would take longer than this.
PROJECTED_LIMIT_S = 200.0


def run(quick: bool = False) -> list[Figure]:
    figures = []
    sizes = [QUICK] if quick else [(scaled(FULL_COMPETITORS, s), NIGHTS) for s in SCALES]
    last: tuple[int, float] | None = None
    for competitors, nights in sizes:
        observations = competitors * PLANS * nights
        size = f"{observations:,} obs ({competitors:,} competitors)"
        if last is not None:
            projected = last[1] * observations / last[0]
            if projected > PROJECTED_LIMIT_S:
                figures.append(Figure(
                    "dashboard: Market view (AppTest, cold)", size, "not run",
                    f"not run: ~{projected:.0f} s projected from the smaller size",
                    f"< {TARGET_S:.0f} s", False,
                    note="skipped to keep the suite within ~15 minutes; growth is linear "
                    "in observations (see the smaller sizes)"))
                continue
        path, _ = ensure_market(competitors, nights)
        try:
            completed, _, rss = run_child([sys.executable, "-m", "benchmarks.dashboard_child",
                                           str(path)], timeout=TIMEOUT_S)
        except RuntimeError as exc:
            figures.append(Figure(
                "dashboard: Market view (AppTest, cold)", size, "timed out",
                f"> {TIMEOUT_S:.0f} s", f"< {TARGET_S:.0f} s", False, note=str(exc)[:300]))
            last = (observations, TIMEOUT_S)
            continue
        report = child_json(completed)
        last = (observations, report["cold"])
        ok = not report["errors"] and "Market" in report["title"]
        log(f"dashboard: {competitors * PLANS * nights:,} obs: cold {report['cold']:.2f} s")
        note = f"warm re-run {report['warm']:.2f} s; child peak RSS {rss:.0f} MB"
        if not ok:
            note += f"; RENDER FAILED: {report['errors'][:2]} titles {report['title']}"
        figures.append(Figure(
            "dashboard: Market view (AppTest, cold)", size,
            f"{report['cold'] / report['baseline']:.0f}x a trivial page",
            f"{report['cold']:.2f} s (trivial {report['baseline']:.2f} s)",
            f"< {TARGET_S:.0f} s", ok and report["cold"] < TARGET_S, note))
    return figures
