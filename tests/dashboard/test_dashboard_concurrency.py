"""Two processes: a writer appending crawls while the dashboard's data module reads."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

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


def test_real_crawls_and_dashboard_reads_take_turns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Real `ratebench crawl` children write the offline market while the data module reads."""
    from benchmark import api
    from scrapers.market.server import MarketServer

    db = tmp_path / "live.duckdb"
    monkeypatch.setenv("RATEBENCH_DB", str(db))
    profile = api.load_profile(ROOT / "examples" / "profile.toml")
    costs = api.load_costs(ROOT / "examples" / "costs.toml")
    crawl = [sys.executable, "-m", "ratebench", "crawl", "--db", str(db), "-q",
             "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0"]  # fmt: skip
    with MarketServer("2026-10-07") as server:
        # The first crawl fills the file; then three more crawls write while we keep reading.
        first = subprocess.run([*crawl, "--mirror", server.url], cwd=ROOT, capture_output=True,
                               text=True, timeout=240)  # fmt: skip
        assert first.returncode in (0, 1), first.stderr[-2000:]
        script = " && ".join(
            " ".join([*crawl, "--mirror", server.url]) + " ; test $? -le 1" for _ in range(3)
        )
        writer = subprocess.Popen(["bash", "-c", script], cwd=ROOT, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)  # fmt: skip
        reads = 0
        try:
            while writer.poll() is None:
                assert data.status().has_data
                position = data.market_position(profile, costs, "match", None, 5)
                assert position.band.n_priced >= 5
                assert len(data.crawl_runs(limit=50)) >= 1
                reads += 1
            out, err = writer.communicate(timeout=240)
        finally:
            if writer.poll() is None:
                writer.kill()
    assert writer.returncode == 0, err[-2000:]
    assert reads >= 3
    # Every crawl stored its run, none failed for the reader's sake.
    runs = data.crawl_runs(limit=50)
    assert len(runs) == 4
    assert set(runs["status"]) <= {"ok", "degraded"}
