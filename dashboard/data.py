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
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd
import streamlit as st

from benchmark import api, store

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


# --- the benchmark engine (every number on screen comes from benchmark.api) ----------------


def segments() -> list[api.Segment]:
    """Segments present in the registry."""
    return _segments(_require())


@st.cache_data(show_spinner=False, max_entries=32)
def _segments(db: DbStamp) -> list[api.Segment]:
    return read(db, api.segments)


def competitor_prices(profile: api.Profile, currency: str = "USD") -> list[api.CompetitorPrice]:
    """Each competitor's effective monthly cost for the profile."""
    return _competitor_prices(_require(), profile, currency)


@st.cache_data(show_spinner=False, max_entries=64)
def _competitor_prices(
    db: DbStamp, profile: api.Profile, currency: str
) -> list[api.CompetitorPrice]:
    return read(db, lambda con: api.competitor_prices(con, profile, currency=currency))


def profile_band(
    profile: api.Profile, segment: api.Segment | None, min_count: int, currency: str = "USD"
) -> api.Band:
    """The band of effective monthly cost for the profile in the segment."""
    return _profile_band(_require(), profile, segment, min_count, currency)


@st.cache_data(show_spinner=False, max_entries=64)
def _profile_band(
    db: DbStamp, profile: api.Profile, segment: api.Segment | None, min_count: int, currency: str
) -> api.Band:
    return read(
        db,
        lambda con: api.profile_band(
            con, profile, segment, min_count=min_count, currency=currency
        ),
    )


def market_position(
    profile: api.Profile,
    costs: api.Costs,
    strategy: str,
    segment: api.Segment | None,
    min_count: int,
) -> api.MarketPosition:
    """Competitor prices, the segment's band and our recommendation from one pricing."""
    return _market_position(_require(), profile, costs, strategy, segment, min_count)


@st.cache_data(show_spinner=False, max_entries=32)
def _market_position(
    db: DbStamp,
    profile: api.Profile,
    costs: api.Costs,
    strategy: str,
    segment: api.Segment | None,
    min_count: int,
) -> api.MarketPosition:
    return read(
        db,
        lambda con: api.market_position(con, profile, costs, strategy, segment=segment,
                                        min_count=min_count),
    )


def band_dates(limit: int = 30) -> list[datetime]:
    """The instants at which a crawl delivered data (newest `limit`), oldest first."""
    return _band_dates(_require(), limit)


@st.cache_data(show_spinner=False, max_entries=32)
def _band_dates(db: DbStamp, limit: int) -> list[datetime]:
    # From the engine (fetches, one row per page), not a scan of every observation.
    return read(db, lambda con: api.band_dates(con, limit))


def band_history(
    profile: api.Profile,
    segment: api.Segment | None,
    dates: list[datetime],
    min_count: int,
    currency: str = "USD",
) -> list[api.Band]:
    """The band as it stood after each crawl."""
    return _band_history(_require(), profile, segment, tuple(dates), min_count, currency)


@st.cache_data(show_spinner=False, max_entries=32)
def _band_history(
    db: DbStamp,
    profile: api.Profile,
    segment: api.Segment | None,
    dates: tuple[datetime, ...],
    min_count: int,
    currency: str,
) -> list[api.Band]:
    return read(
        db,
        # The history chart draws quantiles only: no per-competitor rows.
        lambda con: api.band_history(
            con, profile, segment, list(dates), min_count=min_count, currency=currency,
            members=False,
        ),
    )


def recommend(
    profile: api.Profile,
    costs: api.Costs,
    strategy: str,
    *,
    segment: api.Segment | None = None,
    beat_competitors: tuple[str, ...] = (),
    beat_by_pct: Decimal = Decimal(5),
    min_count: int = 5,
    client_sales_per_month: Decimal | None = None,
) -> api.Recommendation:
    """The engine's recommendation (raises api.RecommendationError on a bad strategy input)."""
    return _recommend(
        _require(), profile, costs, strategy, segment, tuple(beat_competitors), beat_by_pct,
        min_count, client_sales_per_month,
    )


@st.cache_data(show_spinner=False, max_entries=128)
def _recommend(
    db: DbStamp,
    profile: api.Profile,
    costs: api.Costs,
    strategy: str,
    segment: api.Segment | None,
    beat_competitors: tuple[str, ...],
    beat_by_pct: Decimal,
    min_count: int,
    client_sales_per_month: Decimal | None,
) -> api.Recommendation:
    return read(
        db,
        lambda con: api.recommend(
            con, profile, costs, strategy, beat_competitors=beat_competitors,
            beat_by_pct=beat_by_pct, segment=segment, min_count=min_count,
            client_sales_per_month=client_sales_per_month,
        ),
    )


def sensitivity(
    profile: api.Profile,
    costs: api.Costs,
    strategy: str,
    calls: tuple[int, ...],
    *,
    beat_competitors: tuple[str, ...] = (),
    beat_by_pct: Decimal = Decimal(5),
    min_count: int = 5,
) -> list[api.Recommendation]:
    """The engine's recommendation for the same client at other monthly call volumes."""
    return [
        recommend(
            profile.with_calls(n), costs, strategy, beat_competitors=beat_competitors,
            beat_by_pct=beat_by_pct, min_count=min_count,
        )
        for n in calls
    ]


def design_rate_card(
    profile: api.Profile,
    costs: api.Costs,
    strategy: str,
    *,
    tiers: tuple[int, ...],
    unit: str,
    beat_by_pct: Decimal = Decimal(5),
    min_count: int = 5,
) -> api.RateCard:
    """The engine's rate-card ladder."""
    return _design_rate_card(_require(), profile, costs, strategy, tiers, unit, beat_by_pct,
                             min_count)


@st.cache_data(show_spinner=False, max_entries=32)
def _design_rate_card(
    db: DbStamp,
    profile: api.Profile,
    costs: api.Costs,
    strategy: str,
    tiers: tuple[int, ...],
    unit: str,
    beat_by_pct: Decimal,
    min_count: int,
) -> api.RateCard:
    return read(
        db,
        lambda con: api.design_rate_card(
            con, profile, costs, strategy, tiers=tiers, unit=unit, beat_by_pct=beat_by_pct,
            min_count=min_count,
        ),
    )


def latest_rate_cards(competitor_id: str | None = None) -> list[dict[str, Any]]:
    """Latest good rate card per competitor, one row per plan, with evidence."""
    return _latest_rate_cards(_require(), competitor_id)


@st.cache_data(show_spinner=False, max_entries=64)
def _latest_rate_cards(db: DbStamp, competitor_id: str | None) -> list[dict[str, Any]]:
    return read(db, lambda con: api.latest_rate_cards(con, competitor_id))


def rate_changes(competitor_id: str | None = None) -> list[dict[str, Any]]:
    """Published changes (old, new, percent, when)."""
    return _rate_changes(_require(), competitor_id)


@st.cache_data(show_spinner=False, max_entries=64)
def _rate_changes(db: DbStamp, competitor_id: str | None) -> list[dict[str, Any]]:
    return read(db, lambda con: api.rate_changes(con, competitor_id))


def renewals(
    contracts: Path, costs: api.Costs, *, within_days: int, today: date, strategy: str,
    min_count: int = 5,
) -> list[api.Renewal]:
    """Contracts renewing within the window (raises api.RenewalError naming file and line)."""
    content = contracts.read_bytes()
    return _renewals(_require(), str(contracts), content, costs, within_days, today, strategy,
                     min_count)


@st.cache_data(show_spinner=False, max_entries=32)
def _renewals(
    db: DbStamp,
    contracts: str,
    content_key: bytes,
    costs: api.Costs,
    within_days: int,
    today: date,
    strategy: str,
    min_count: int,
) -> list[api.Renewal]:
    # The file's bytes are part of the key so an edited upload is recomputed.
    return read(
        db,
        lambda con: api.renewals(
            con, contracts, costs, within_days=within_days, today=today, strategy=strategy,
            min_count=min_count,
        ),
    )
