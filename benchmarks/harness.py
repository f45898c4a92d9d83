"""What every benchmark shares: figures, the results table, timing, child processes."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapers.offload import peak_rss_mb

ROOT = Path(__file__).resolve().parents[1]
# Generated mirrors and databases; RATEBENCH_BENCH_WORK moves them (the smoke test uses tmp).
WORK = Path(os.environ.get("RATEBENCH_BENCH_WORK") or ROOT / "benchmarks" / "work")
SQL = ROOT / "benchmarks" / "sql"
SCALES = (0.1, 0.3, 1.0)


@dataclass
class Figure:
    """One row of the results table."""

    figure: str
    size: str
    ratio: str  # against the baseline named in it, e.g. "0.62x bare Scrapy"
    absolute: str
    target: str = ""
    met: bool | None = None
    note: str = ""

    def met_text(self) -> str:
        return "" if self.met is None else ("yes" if self.met else "NO")


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds one call of `work` took, and its result."""
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def best_of(work: Callable[[], Any], repeat: int, budget_s: float = float("inf")) -> float:
    """The fastest of up to `repeat` runs (seconds), stopping once `budget_s` is spent."""
    runs: list[float] = []
    while len(runs) < max(1, repeat) and sum(runs) < budget_s:
        runs.append(timed(work)[0])
    return min(runs)


def scaled(full: int, scale: float, minimum: int = 1) -> int:
    return max(minimum, round(full * scale))


def run_child(args: Sequence[str], *, timeout: float = 600, env: dict[str, str] | None = None,
              cwd: Path = ROOT) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """Run a child process; return it, its wall seconds and its own peak RSS in MB.

    The peak is the child's VmHWM, read every 20 ms while it runs (so a peak in its last 20 ms
    is missed). Not ru_maxrss: a child started by fork or vfork and exec reports at least its
    parent's peak there, and this process holds the multi-gigabyte pandas baselines.
    """
    WORK.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile("w+", dir=WORK) as out, tempfile.TemporaryFile("w+", dir=WORK) as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(args), cwd=cwd, env={**os.environ, **(env or {})},
                                text=True, stdout=out, stderr=err)
        deadline = start + timeout
        peak = 0.0
        while True:
            peak = max(peak, peak_rss_mb(proc.pid) or 0.0)
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                err.seek(0)
                raise RuntimeError(f"{' '.join(args)} ran longer than {timeout:.0f} s\n"
                                   f"{err.read()[-2000:]}")
            time.sleep(0.02)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        completed = subprocess.CompletedProcess(list(args), proc.returncode, out.read(), err.read())
    # A child gone before its first reading: ru_maxrss, which may count this process's peak.
    return completed, seconds, peak or usage.ru_maxrss / 1024


def child_json(completed: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The last stdout line of a benchmark child, which is its JSON report."""
    lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    if completed.returncode != 0 or not lines:
        raise RuntimeError(
            f"child {' '.join(completed.args)} exited {completed.returncode}\n"
            f"{completed.stderr[-3000:]}"
        )
    return json.loads(lines[-1])


def machine() -> str:
    """Cores, memory, CPU model and versions, for the results header."""
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import duckdb
    import pandas
    import scrapy
    import streamlit

    return (
        f"{os.cpu_count()} cores ({model or platform.processor()}), {mem_gb:.1f} GB memory, "
        f"{platform.system()} {platform.release()}; Python {platform.python_version()}, "
        f"DuckDB {duckdb.__version__}, pandas {pandas.__version__}, Scrapy {scrapy.__version__}, "
        f"Streamlit {streamlit.__version__}"
    )


def render_table(figures: Sequence[Figure]) -> str:
    """A Markdown table; also readable printed on a terminal."""
    head = ["figure", "size", "ratio to baseline", "absolute", "target", "met"]
    rows = [[f.figure, f.size, f.ratio, f.absolute, f.target, f.met_text()] for f in figures]
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    out = [line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(r) for r in rows]
    return "\n".join(out)


def write_results(path: Path, figures: Sequence[Figure], notes: Sequence[str], *,
                  seconds: float, argv: Sequence[str]) -> None:
    """RESULTS.md: machine, date, the table, then notes (baselines, causes of misses)."""
    command = "python -m benchmarks" + ("" if not argv else " " + " ".join(argv))
    text = [
        "# ratebench benchmark results",
        "",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine()}",
        f"- Command: `{command}` ({seconds / 60:.1f} min)",
        "",
        render_table(figures),
        "",
    ]
    figure_notes = [f"- **{f.figure} ({f.size})**: {f.note}" for f in figures if f.note]
    if figure_notes or notes:
        text += ["## Notes", "", *notes, *figure_notes, ""]
    path.write_text("\n".join(text), encoding="utf-8")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
