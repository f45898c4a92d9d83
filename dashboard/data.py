"""The dashboard's only door to DuckDB.

Every read opens a short-lived read-only connection through benchmark.store (which retries
with jitter while a crawl holds the write lock) and closes it at once, so a crawl never fails
because the dashboard is open. No connection is ever cached as a resource; query *results*
are cached with st.cache_data, keyed on the database file's stamp (mtime and size of the file
and its WAL), so they refresh as soon as a crawl changes the file.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd
import streamlit as st

from benchmark import store

T = TypeVar("T")

# How long a page waits for a crawl to release the file before saying the database is busy.
LOCK_WAIT_S = float(os.environ.get("RATEBENCH_DASHBOARD_LOCK_WAIT_S", "15"))
STALE_AFTER_HOURS = 36.0
SQL_DIR = Path(__file__).resolve().parent / "sql"


class DatabaseUnavailable(RuntimeError):
    """The database is missing, empty, or kept busy by a writer for too long."""


@dataclass(frozen=True, slots=True)
class DbStamp:
    """Identity of the database file's content: changes whenever a writer changes it."""

    path: str
    mtime_ns: int
    size: int
    wal_mtime_ns: int
    wal_size: int


@dataclass(frozen=True, slots=True)
class DbStatus:
    """What the database holds."""

    path: str
    exists: bool
    has_schema: bool
    competitors: int = 0
    runs: int = 0
    observations: int = 0
    first_observation_at: datetime | None = None
    last_observation_at: datetime | None = None

    @property
    def has_data(self) -> bool:
        return self.observations > 0


def db_path() -> Path:
    """The database the dashboard reads: RATEBENCH_DB, else data/ratebench.duckdb."""
    return store.resolve_db_path(None).resolve()


def stamp() -> DbStamp | None:
    """The current stamp of the database file, or None when it does not exist."""
    path = db_path()
    try:
        st_main = path.stat()
    except FileNotFoundError:
        return None
    wal = path.with_name(path.name + ".wal")
    try:
        st_wal = wal.stat()
        wal_mtime, wal_size = st_wal.st_mtime_ns, st_wal.st_size
    except FileNotFoundError:
        wal_mtime, wal_size = 0, 0
    return DbStamp(str(path), st_main.st_mtime_ns, st_main.st_size, wal_mtime, wal_size)


@cache
def load_sql(name: str) -> str:
    """Text of dashboard/sql/<name>.sql."""
    # By file path: under `streamlit run` the package's resource reader can be a namespace one.
    return (SQL_DIR / f"{name}.sql").read_text("utf-8")


def read(db: DbStamp, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
    """Run `work` on a short-lived read-only connection; a long-held lock becomes a clear error."""
    try:
        with store.connection(db.path, read_only=True, timeout_s=LOCK_WAIT_S) as con:
            return work(con)
    except store.StoreLocked as exc:
        raise DatabaseUnavailable(
            f"the database {db.path} is busy (a crawl is writing); reload in a moment"
        ) from exc
    except FileNotFoundError as exc:
        raise DatabaseUnavailable(f"the database {db.path} does not exist") from exc


def _require() -> DbStamp:
    db = stamp()
    if db is None:
        raise DatabaseUnavailable(f"the database {db_path()} does not exist")
    return db


def _sql_frame(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None) -> pd.DataFrame:
    return con.execute(load_sql(name), params or None).df()


# --- database state -------------------------------------------------------------------------


def status() -> DbStatus:
    """Whether the database exists, has the schema, and holds observations."""
    db = stamp()
    if db is None:
        return DbStatus(path=str(db_path()), exists=False, has_schema=False)
    return _status(db)


@st.cache_data(show_spinner=False, max_entries=32)
def _status(db: DbStamp) -> DbStatus:
    def work(con: duckdb.DuckDBPyConnection) -> DbStatus:
        tables = {
            row[0]
            for row in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
            ).fetchall()
        }
        if not {"competitors", "crawl_runs", "observations", "fetches", "pages"} <= tables:
            return DbStatus(path=db.path, exists=True, has_schema=False)
        row = con.execute(load_sql("db_counts")).fetchone()
        assert row is not None
        return DbStatus(db.path, True, True, *row)

    return read(db, work)


# --- crawl health ---------------------------------------------------------------------------


def crawl_runs(limit: int = 50) -> pd.DataFrame:
    """Crawl runs, newest first."""
    return _frame(_require(), "crawl_runs", (("limit", limit),))


def crawl_failures() -> pd.DataFrame:
    """Failed and total fetches per competitor, with the last error and last good fetch."""
    return _frame(_require(), "crawl_failures", ())


def pages_kept() -> pd.DataFrame:
    """Page bodies kept as evidence, per competitor."""
    return _frame(_require(), "pages_kept", ())


def last_fetches() -> pd.DataFrame:
    """Per competitor: registry facts, last fetch attempt and last successful fetch."""
    return _frame(_require(), "last_fetches", ())


@dataclass(frozen=True, slots=True)
class CrawlFreshness:
    """When the last good crawl finished and whether that is too long ago."""

    last_good_at: datetime | None
    last_status: str | None
    last_started_at: datetime | None
    runs: int
    age_hours: float | None

    @property
    def stale(self) -> bool:
        return self.age_hours is None or self.age_hours > STALE_AFTER_HOURS


def crawl_freshness(now: datetime | None = None) -> CrawlFreshness:
    """The last good crawl's age; stale when older than 36 hours or when none ever succeeded."""
    last_good_at, last_status, last_started_at, runs = _row(_require(), "last_good_crawl")
    now = now or datetime.now(UTC)
    age = None if last_good_at is None else (now - last_good_at).total_seconds() / 3600
    return CrawlFreshness(last_good_at, last_status, last_started_at, int(runs), age)


@st.cache_data(show_spinner=False, max_entries=128)
def _frame(db: DbStamp, name: str, params: tuple[tuple[str, Any], ...]) -> pd.DataFrame:
    return read(db, lambda con: _sql_frame(con, name, dict(params)))


@st.cache_data(show_spinner=False, max_entries=32)
def _row(db: DbStamp, name: str) -> tuple:
    def work(con: duckdb.DuckDBPyConnection) -> tuple:
        row = con.execute(load_sql(name)).fetchone()
        assert row is not None
        return tuple(row)

    return read(db, work)
