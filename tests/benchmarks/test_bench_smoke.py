"""Smoke test: the benchmark suite runs end to end at tiny sizes (no timing asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIGURES = (
    "crawl: full pipeline vs bare Scrapy",
    "crawl: time by phase",
    "crawl: CPU per page",
    "crawl: peak memory (RSS)",
    "writes: observations via writer",
    "versions + profile band",
    "rate-card bands",
    "recommend (match), median",
    "dashboard: Market view (AppTest, cold)",
)


@pytest.mark.skipif(not Path("/usr/sbin/nginx").exists(), reason="needs Debian nginx-light")
def test_quick_suite_writes_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    env = {**os.environ, "RATEBENCH_BENCH_WORK": str(tmp_path / "work")}
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = out.read_text(encoding="utf-8")
    assert "cores" in text and "GB memory" in text
    for figure in FIGURES:
        assert figure in proc.stdout and figure in text, figure
    # Every crawl page was fetched by both crawls and every write was stored: the figures
    # rest on complete work, whatever their speed.
    assert "INCOMPLETE" not in text and "RENDER FAILED" not in text
    # Both crawls were clocked at their first and last responses, and their CPU measured.
    assert "no response clock" not in text
    assert "CPU alone allows" in text
    assert "run ok" in text and "run degraded" not in text
    assert "30 pages" in text and "2,000 rows" in text


def test_only_rejects_an_unknown_benchmark() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--only", "crawl,nope"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2
    assert "nope" in proc.stderr
