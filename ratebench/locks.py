"""Process locks beside the database, shared by the scheduler and `ratebench crawl`.

Files beside the database DB:
- DB.scheduler.lock  flock held by the one scheduler of this database (holds its pid);
- DB.crawl.lock      flock held while a crawl runs, so a crawl never runs twice at once on one
                     database, whether the scheduler, `schedule --run-now` or a manual
                     `ratebench crawl` started it.

The scheduler holds DB.crawl.lock around its crawl child (a `ratebench crawl` process) and tells
the child so through HELD_BY_ENV; the child relies on that only when the lock's recorded holder
is really its parent process, so a stray variable never lets a second crawl in.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Set by a process that holds DB.crawl.lock for the crawl child it starts: the holder's pid.
HELD_BY_ENV = "RATEBENCH_CRAWL_LOCK_HELD_BY"


def _beside(db: Path, suffix: str) -> Path:
    return db.with_name(db.name + suffix)


def scheduler_lock_path(db: Path) -> Path:
    return _beside(db, ".scheduler.lock")


def crawl_lock_path(db: Path) -> Path:
    return _beside(db, ".crawl.lock")


class LockBusy(RuntimeError):
    """Another process holds the lock; `holder_pid` is what it wrote into the file."""

    def __init__(self, path: Path, holder_pid: int | None) -> None:
        self.path = path
        self.holder_pid = holder_pid
        who = f"pid {holder_pid}" if holder_pid else "another process"
        super().__init__(f"{path} is held by {who}")


class ProcessLock:
    """An exclusive, non-blocking fcntl.flock on a file that records the holder's pid.

    The kernel drops the lock when the holder dies, even by SIGKILL, so a stale file never
    blocks a restart.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> ProcessLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise LockBusy(self.path, read_lock_pid(self.path)) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        os.fsync(fd)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> ProcessLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def read_lock_pid(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def lock_holder(path: Path) -> int | None:
    """The pid holding `path` now, or None when nobody does."""
    if not path.exists():
        return None
    try:
        with ProcessLock(path):
            return None
    except LockBusy as busy:
        return busy.holder_pid or -1


def handing_down_env() -> dict[str, str]:
    """This process's environment plus HELD_BY_ENV: for a crawl child started under our lock."""
    return {**os.environ, HELD_BY_ENV: str(os.getpid())}


def _held_by_parent(busy: LockBusy) -> bool:
    """True when our parent holds the lock and handed it down to us (HELD_BY_ENV)."""
    claimed = os.environ.get(HELD_BY_ENV, "")
    return (
        claimed.isdigit()
        and busy.holder_pid is not None
        and int(claimed) == busy.holder_pid == os.getppid()
    )


@contextmanager
def crawl_lock(db: Path) -> Iterator[None]:
    """Hold DB.crawl.lock for one crawl, or rely on the parent that holds it for us.

    Raises LockBusy when any other process holds it.
    """
    lock: ProcessLock | None = ProcessLock(crawl_lock_path(db))
    try:
        lock.acquire()
    except LockBusy as busy:
        if not _held_by_parent(busy):
            raise
        lock = None  # the parent keeps the lock until we exit
    try:
        yield
    finally:
        if lock is not None:
            lock.release()
