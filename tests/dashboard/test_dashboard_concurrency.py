"""Two processes: a writer appending crawls while the dashboard's data module reads."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from dashboard import data

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 40


def test_writer_and_dashboard_reads_take_turns(seeded_db: Path) -> None:
    writer = subprocess.Popen(
        [sys.executable, "-m", "tests.dashboard.writer_proc", str(seeded_db), str(ROUNDS)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    reads, seen_runs = 0, set()
    try:
        while writer.poll() is None or reads < 20:
            status = data.status()
            runs = data.crawl_runs(limit=500)
            data.crawl_freshness()
            assert status.exists and status.has_data
            seen_runs.add(len(runs))
            reads += 1
            if writer.poll() is not None and reads >= 20:
                break
            time.sleep(0.005)
        out, err = writer.communicate(timeout=60)
    finally:
        if writer.poll() is None:
            writer.kill()
    assert writer.returncode == 0, err
    assert out.strip() == str(ROUNDS)
    assert reads >= 20
    # The stamp-keyed cache refreshed as the file changed: the reader saw the count grow
    # from the seeded 3 runs and, after the writer finished, saw all of its runs.
    assert len(seen_runs) > 1
    assert len(data.crawl_runs(limit=500)) == 3 + ROUNDS
