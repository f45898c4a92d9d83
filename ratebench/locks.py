"""Process locks beside the database, shared by the scheduler and `ratebench crawl`.

Files beside the database DB:
- DB.scheduler.lock  flock held by the one scheduler of this database (holds its pid);
- DB.crawl.lock      flock held while a crawl runs, so a crawl never runs twice at once on one
                     database, whether the scheduler, `schedule --run-now` or a manual
                     `ratebench crawl` started it. The file holds the pid of the process running
                     the crawl.

The scheduler holds DB.crawl.lock and hands it to its crawl child (a `ratebench crawl` process):
it passes its locked file descriptor to the child (`pass_fds`) and names it in LOCK_FD_ENV. A
flock belongs to the open file description, not the process, so the child holds the very same
lock for as long as it lives, even when the scheduler dies first (SIGKILL included): no second
crawl can start beside an orphaned one. The child runs under that descriptor only after checking
that it is the lock file and that it holds the lock; a stray variable or descriptor never lets a
second crawl in. The child never unlocks the descriptor (that would unlock it for the scheduler
too); closing it at exit drops only its own reference.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Set by a process that holds DB.crawl.lock for the crawl child it starts: the number of the
# locked file descriptor the child inherits.
LOCK_FD_ENV = "RATEBENCH_CRAWL_LOCK_FD"


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


def _record_pid(fd: int) -> None:
    """Write this process's pid into the lock file open as `fd`."""
    os.ftruncate(fd, 0)
    # pwrite at 0: the file offset is shared with every process holding this description.
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    os.fsync(fd)


class ProcessLock:
    """An exclusive, non-blocking fcntl.flock on a file that records the holder's pid.

    The kernel drops the lock when the last process holding its descriptor dies, even by
    SIGKILL, so a stale file never blocks a restart.
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
        _record_pid(fd)
        self._fd = fd
        return self

    def fileno(self) -> int:
        """The locked descriptor, to hand the lock to a child process (`pass_fds`)."""
        if self._fd is None:
            raise RuntimeError(f"{self.path} is not held")
        return self._fd

    def record_pid(self) -> None:
        """Name this process as the holder again (a child that held it for us has exited)."""
        _record_pid(self.fileno())

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


def handing_down_env(lock: ProcessLock) -> dict[str, str]:
    """This process's environment plus LOCK_FD_ENV, for a child started with
    `pass_fds=(lock.fileno(),)` to run under our lock."""
    return {**os.environ, LOCK_FD_ENV: str(lock.fileno())}


def _inherited_lock(path: Path) -> int | None:
    """The descriptor named by LOCK_FD_ENV when it is `path` and holds its flock, else None."""
    named = os.environ.get(LOCK_FD_ENV, "")
    if not named.isdigit():
        return None
    fd = int(named)
    try:
        held = os.fstat(fd)
        wanted = os.stat(path)
    except OSError:  # not an open descriptor (a stray number), or no lock file
        return None
    if (held.st_dev, held.st_ino) != (wanted.st_dev, wanted.st_ino):
        return None
    try:
        # Succeeds (a no-op) only when this descriptor's open file description holds the lock.
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # BlockingIOError: somebody else holds it
        return None
    return fd


@contextmanager
def crawl_lock(db: Path) -> Iterator[None]:
    """Hold DB.crawl.lock for one crawl, or run under the lock a parent handed down.

    Raises LockBusy when any other process holds it.
    """
    path = crawl_lock_path(db)
    lock = ProcessLock(path)
    inherited: int | None = None
    try:
        lock.acquire()
    except LockBusy:
        inherited = _inherited_lock(path)
        if inherited is None:
            raise
    if inherited is not None:
        # Ours now too: `schedule status` names the process actually crawling, and no process
        # we start (a browser) may inherit the lock and keep it past the crawl.
        os.set_inheritable(inherited, False)
        _record_pid(inherited)
    try:
        yield
    finally:
        if inherited is not None:
            os.close(inherited)  # never LOCK_UN: the parent's lock is the same lock
        else:
            lock.release()
