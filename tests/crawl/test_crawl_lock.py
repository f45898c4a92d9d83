"""A manual `ratebench crawl` takes the scheduler's crawl lock (DB.crawl.lock): one crawl at a time.

Real processes throughout: a child that holds the flock, `ratebench crawl` of the offline
market mirror, `ratebench schedule --run-now` whose crawl child relies on its parent's lock.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from scrapers.market.server import MarketServer
from tests.crawl.conftest import FAST, REPO, query, run_ratebench

# Takes the crawl lock the way any holder does (an exclusive flock, its pid in the file),
# says so, and keeps it until killed.
HOLDER = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
os.ftruncate(fd, 0)
os.write(fd, f"{os.getpid()}\\n".encode())
print("held", flush=True)
time.sleep(120)
"""


@pytest.fixture(scope="module")
def mirror() -> Iterator[str]:
    """The offline market's first snapshot on loopback."""
    with MarketServer(snapshot="2026-10-07") as server:
        yield server.url


def crawl_ruby(mirror: str, db: Path, env: dict[str, str] | None = None
               ) -> subprocess.CompletedProcess[str]:
    """`ratebench crawl` of one competitor of the mirror into `db` (a few seconds)."""
    argv = [sys.executable, "-m", "ratebench", "crawl", "--mirror", mirror, "--db", str(db),
            "--competitor", "ruby", "-q", *FAST]  # fmt: skip
    base = {k: v for k, v in os.environ.items() if k != "RATEBENCH_DB"}
    return subprocess.run(argv, cwd=REPO, env={**base, **(env or {})}, capture_output=True,
                          text=True, timeout=120)  # fmt: skip


def lock_is_free(path: Path) -> bool:
    """Whether another flock on `path` succeeds now (taken and released at once)."""
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing drops the flock
    return True


def hold(path: Path) -> subprocess.Popen[str]:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdout=subprocess.PIPE,
                              text=True)  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def test_manual_crawl_takes_and_releases_the_crawl_lock(mirror: str, tmp_path: Path) -> None:
    db = tmp_path / "manual.duckdb"
    lock = tmp_path / "manual.duckdb.crawl.lock"
    first = crawl_ruby(mirror, db)
    assert first.returncode == 0, first.stderr[-3000:]
    assert query(db, "SELECT status FROM crawl_runs") == [("ok",)]
    # The crawl took the lock (the file names it) and released it when done.
    assert lock.exists()
    assert lock_is_free(lock)

    holder = hold(lock)
    try:
        refused = crawl_ruby(mirror, db)
        # A stray claim that the lock was handed down does not let a crawl in either: only
        # the holder's own child may rely on it.
        stray = crawl_ruby(mirror, db, env={"RATEBENCH_CRAWL_LOCK_HELD_BY": str(holder.pid)})
        fresh = tmp_path / "fresh.duckdb"
        fresh_holder = hold(tmp_path / "fresh.duckdb.crawl.lock")
        try:
            refused_fresh = crawl_ruby(mirror, fresh)
        finally:
            fresh_holder.kill()
            fresh_holder.wait(timeout=10)
    finally:
        holder.kill()
        holder.wait(timeout=10)
    for result in (refused, stray):
        assert result.returncode == 2, (result.stdout, result.stderr[-3000:])
        [line] = result.stderr.strip().splitlines()
        assert line.startswith("ratebench crawl: a crawl is already running on ")
        assert str(db) in line and f"pid {holder.pid} holds {lock}" in line
        assert result.stdout == ""
    assert refused_fresh.returncode == 2 and str(fresh) in refused_fresh.stderr
    assert not fresh.exists(), "a refused crawl created the database"
    # Nothing written: still the one run, its fetches and plans.
    assert query(db, "SELECT count(*) FROM crawl_runs") == [(1,)]
    assert query(db, "SELECT count(*) FROM fetches") == [(1,)]

    # The holder is gone (the kernel dropped its flock): the next crawl runs.
    again = crawl_ruby(mirror, db)
    assert again.returncode == 0, again.stderr[-3000:]
    assert query(db, "SELECT count(*), count(*) FILTER (WHERE status = 'ok') FROM crawl_runs") == [
        (2, 2)
    ]
    assert lock_is_free(lock)


def test_scheduled_crawl_child_runs_under_its_parents_lock(mirror: str, tmp_path: Path) -> None:
    """`schedule --run-now` holds DB.crawl.lock and starts `ratebench crawl`: the child runs."""
    db = tmp_path / "scheduled.duckdb"
    config = tmp_path / "ratebench.toml"
    config.write_text(
        f'[schedule]\nmirror = "{mirror}"\ncompetitors = ["ruby"]\n'
        "[schedule.crawl_settings]\nDOWNLOAD_DELAY = 0\nAUTOTHROTTLE_ENABLED = false\n"
        "RETRY_TIMES = 1\nDOWNLOAD_TIMEOUT = 5\n"
    )
    result = run_ratebench("schedule", "--run-now", "--db", str(db), "--config", str(config))
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert (outcome["status"], outcome["exit_code"]) == ("ok", 0), outcome
    assert query(db, "SELECT run_id, status FROM crawl_runs") == [(outcome["run_id"], "ok")]
    assert query(db, "SELECT count(*) FROM observations") != [(0,)]
    assert lock_is_free(tmp_path / "scheduled.duckdb.crawl.lock")
