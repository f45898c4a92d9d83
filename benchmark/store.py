"""The DuckDB store: where the database lives, how to open it, its schema.

DuckDB allows one writer process or many reader processes, never both, and does not wait for
a lock. Every connection here is short-lived and retried with jitter while another process
holds the file, so a crawl and a dashboard can take turns.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from benchmark.sqlfiles import load_sql

DEFAULT_DB = Path("data/ratebench.duckdb")
LOCK_MARKERS = ("Could not set lock", "Conflicting lock", "database is locked")


class StoreLocked(RuntimeError):
    """Another process kept the database locked for longer than we were willing to wait."""


def resolve_db_path(db: str | os.PathLike[str] | None = None) -> Path:
    """--db, else RATEBENCH_DB, else data/ratebench.duckdb."""
    if db:
        return Path(db)
    env = os.environ.get("RATEBENCH_DB")
    return Path(env) if env else DEFAULT_DB


def _is_lock_error(exc: Exception) -> bool:
    return any(marker in str(exc) for marker in LOCK_MARKERS)


def open_connection(
    db: str | os.PathLike[str] | None = None,
    *,
    read_only: bool = False,
    timeout_s: float = 30.0,
) -> duckdb.DuckDBPyConnection:
    """Open the database, retrying with jittered backoff while another process holds it."""
    path = resolve_db_path(db)
    if read_only and not path.exists():
        raise FileNotFoundError(f"database {path} does not exist (run `ratebench db init`)")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout_s
    delay = 0.02
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if not _is_lock_error(exc):
                raise
            if time.monotonic() >= deadline:
                raise StoreLocked(f"database {path} stayed locked for {timeout_s:.0f} s: {exc}") from exc
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 0.5)


@contextmanager
def connection(
    db: str | os.PathLike[str] | None = None, *, read_only: bool = False, timeout_s: float = 30.0
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived connection, closed on exit so the file lock is released at once."""
    con = open_connection(db, read_only=read_only, timeout_s=timeout_s)
    try:
        yield con
    finally:
        con.close()


def init_db(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table that is missing; idempotent."""
    con.execute(load_sql("schema"))
