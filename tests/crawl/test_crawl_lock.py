"""A manual `ratebench crawl` takes the scheduler's crawl lock (DB.crawl.lock): one crawl at a time.

Real processes throughout: a child that holds the flock, `ratebench crawl` of the offline
market mirror, `ratebench schedule --run-now` whose crawl child inherits its parent's locked
descriptor and so keeps the lock held even when the scheduler is SIGKILLed under it.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ratebench.locks import LOCK_FD_ENV, ProcessLock, crawl_lock_path, read_lock_pid
from ratebench.scheduler import wait_for
from scrapers.market.server import MarketServer
from tests.crawl.conftest import FAST, REPO, query
from tests.schedule.faultmirror import FaultMirror

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


def clean_env(**extra: str) -> dict[str, str]:
    """Our environment without a default database or a lock hand-down, plus `extra`."""
    base = {k: v for k, v in os.environ.items() if k not in ("RATEBENCH_DB", LOCK_FD_ENV)}
    return {**base, **extra}


def crawl_ruby(mirror: str, db: Path, env: dict[str, str] | None = None,
               pass_fds: tuple[int, ...] = ()) -> subprocess.CompletedProcess[str]:
    """`ratebench crawl` of one competitor of the mirror into `db` (a few seconds)."""
    argv = [sys.executable, "-m", "ratebench", "crawl", "--mirror", mirror, "--db", str(db),
            "--competitor", "ruby", "-q", *FAST]  # fmt: skip
    return subprocess.run(argv, cwd=REPO, env=clean_env(**(env or {})), capture_output=True,
                          text=True, timeout=120, pass_fds=pass_fds)  # fmt: skip


def ruby_schedule(tmp_path: Path, mirror: str, *, retry_times: int, download_timeout: int
                  ) -> Path:
    """A schedule config crawling only ruby from `mirror`, politeness delays off."""
    config = tmp_path / "ratebench.toml"
    config.write_text(
        f'[schedule]\nmirror = "{mirror}"\ncompetitors = ["ruby"]\n'
        "[schedule.crawl_settings]\nDOWNLOAD_DELAY = 0\nAUTOTHROTTLE_ENABLED = false\n"
        f"RETRY_TIMES = {retry_times}\nDOWNLOAD_TIMEOUT = {download_timeout}\n"
    )
    return config


def run_now(db: Path, config: Path) -> list[str]:
    """`ratebench schedule --run-now` on `db` with `config`, as argv."""
    return [sys.executable, "-m", "ratebench", "schedule", "--run-now", "--db", str(db),
            "--config", str(config)]  # fmt: skip


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
        # A stray claim that the lock was handed down does not let a crawl in either, even
        # naming a real descriptor of the lock file: only one holding the flock counts.
        stray_fd = os.open(lock, os.O_RDWR)
        try:
            stray = crawl_ruby(mirror, db, env={LOCK_FD_ENV: str(stray_fd)},
                               pass_fds=(stray_fd,))  # fmt: skip
        finally:
            os.close(stray_fd)
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
    config = ruby_schedule(tmp_path, mirror, retry_times=1, download_timeout=5)
    scheduler = subprocess.Popen(
        run_now(db, config), cwd=REPO, env=clean_env(), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    stdout, stderr = scheduler.communicate(timeout=120)
    assert scheduler.returncode == 0, stderr[-3000:]
    outcome = json.loads(stdout.strip().splitlines()[-1])
    assert (outcome["status"], outcome["exit_code"]) == ("ok", 0), outcome
    assert query(db, "SELECT run_id, status FROM crawl_runs") == [(outcome["run_id"], "ok")]
    assert query(db, "SELECT count(*) FROM observations") != [(0,)]
    lock = tmp_path / "scheduled.duckdb.crawl.lock"
    assert lock_is_free(lock)
    # The child named itself the holder while it ran; the scheduler, holding the lock on after
    # it (judging, alerts), named itself again.
    assert read_lock_pid(lock) == scheduler.pid


# --- the hand-down itself: a child process given the locked descriptor ------------------------

# Runs `crawl_lock()` the way `ratebench crawl` does and says whether it got in.
UNDER_LOCK = """
import os, sys
from pathlib import Path
from ratebench.locks import LOCK_FD_ENV, LockBusy, crawl_lock, read_lock_pid
db = Path(sys.argv[1])
try:
    with crawl_lock(db):
        fd = int(os.environ[LOCK_FD_ENV])
        holder = read_lock_pid(db.with_name(db.name + ".crawl.lock"))
        print("running", holder == os.getpid(), os.get_inheritable(fd), flush=True)
except LockBusy as busy:
    print("busy", busy.holder_pid, flush=True)
    sys.exit(2)
"""


def under_lock(db: Path, named: str, pass_fds: tuple[int, ...] = ()) -> tuple[int, str]:
    child = subprocess.run([sys.executable, "-c", UNDER_LOCK, str(db)], cwd=REPO,
                           env=clean_env(**{LOCK_FD_ENV: named}), pass_fds=pass_fds,
                           capture_output=True, text=True, timeout=60)  # fmt: skip
    return child.returncode, child.stdout.strip() or child.stderr[-2000:]


def test_crawl_lock_runs_under_an_inherited_locked_descriptor(tmp_path: Path) -> None:
    db = tmp_path / "handed.duckdb"
    path = crawl_lock_path(db)
    with ProcessLock(path) as lock:
        code, said = under_lock(db, str(lock.fileno()), pass_fds=(lock.fileno(),))
        # In, named itself the holder, and kept the descriptor from its own children.
        assert (code, said) == (0, "running True False")
        # Handed to that child only: our copy stays closed to any other child (the rebuild).
        assert not os.get_inheritable(lock.fileno())
        # It closed its copy without unlocking: the lock is still ours.
        assert not lock_is_free(path)
        lock.record_pid()
        assert read_lock_pid(path) == os.getpid()
    assert lock_is_free(path)


def test_crawl_lock_refuses_a_descriptor_that_is_not_the_held_lock(tmp_path: Path) -> None:
    db = tmp_path / "stray.duckdb"
    path = crawl_lock_path(db)
    other = tmp_path / "other.lock"
    other.write_text("")
    with ProcessLock(path) as lock:
        other_fd = os.open(other, os.O_RDWR)
        # The lock file itself, but a description of its own that does not hold the flock.
        unlocked_fd = os.open(path, os.O_RDWR)
        try:
            fcntl.flock(other_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a held flock, wrong file
            cases = {
                "another file": under_lock(db, str(other_fd), pass_fds=(other_fd,)),
                # The right number, not inherited: closed in the child.
                "closed": under_lock(db, str(lock.fileno())),
                "unlocked": under_lock(db, str(unlocked_fd), pass_fds=(unlocked_fd,)),
                "not a number": under_lock(db, "three"),
            }
        finally:
            os.close(other_fd)
            os.close(unlocked_fd)
        refused = (2, f"busy {os.getpid()}")
        assert cases == dict.fromkeys(cases, refused)
        assert read_lock_pid(path) == os.getpid()  # nothing written by the refused children
        assert not lock_is_free(path)
    assert lock_is_free(path)


# --- the scheduler killed under its crawl -------------------------------------------------------


@contextmanager
def gated_mirror() -> Iterator[FaultMirror]:
    """The first market snapshot on loopback, every page held until the test opens `gate`."""
    mirror = FaultMirror()
    mirror.mode = "gated"
    mirror.start()
    try:
        yield mirror
    finally:
        mirror.gate.set()
        mirror.stop()


def parent_pid(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])  # the field after the state


def is_our_crawl(pid: int, db: Path) -> bool:
    """Whether `pid` is still the `ratebench crawl` of `db` (never kill a recycled pid)."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"crawl" in argv and str(db).encode() in argv


def test_lock_stays_held_by_the_crawl_child_when_the_scheduler_is_killed(
    tmp_path: Path,
) -> None:
    db = tmp_path / "orphan.duckdb"
    lock = crawl_lock_path(db)
    log = tmp_path / "scheduler.log"
    child_pid: int | None = None
    with gated_mirror() as mirror, log.open("w") as log_file:
        config = ruby_schedule(tmp_path, mirror.url, retry_times=0, download_timeout=60)
        scheduler = subprocess.Popen(
            run_now(db, config), cwd=REPO, env=clean_env(), stdout=log_file,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            # The crawl child is waiting on its page, under the handed-down lock.
            assert mirror.asked.wait(timeout=60), log.read_text()[-3000:]
            child_pid = read_lock_pid(lock)
            assert child_pid is not None and child_pid != scheduler.pid
            assert parent_pid(child_pid) == scheduler.pid

            scheduler.send_signal(signal.SIGKILL)
            assert scheduler.wait(timeout=30) == -signal.SIGKILL
            # The kernel dropped the scheduler's reference; the child's keeps the lock.
            assert not lock_is_free(lock)
            refused = crawl_ruby(mirror.url, db)
            assert refused.returncode == 2, (refused.stdout, refused.stderr[-3000:])
            [line] = refused.stderr.strip().splitlines()
            assert f"pid {child_pid} holds {lock}" in line
            assert refused.stdout == ""
            assert not lock_is_free(lock)

            mirror.gate.set()  # the orphaned crawl finishes, and the lock goes with it
            assert wait_for(lambda: lock_is_free(lock), timeout_s=60), log.read_text()[-3000:]
        finally:
            mirror.gate.set()
            if scheduler.poll() is None:
                scheduler.kill()
                scheduler.wait(timeout=30)
            if child_pid is not None and is_our_crawl(child_pid, db) and not lock_is_free(lock):
                os.kill(child_pid, signal.SIGKILL)
    # Only the orphan's run was recorded, and it completed.
    assert query(db, "SELECT status FROM crawl_runs") == [("ok",)]
