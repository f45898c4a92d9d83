"""Every write a crawl makes, through DuckDB's appender, in as few short transactions as possible.

A crawl writes twice: a short write when it starts (its `running` row, the competitors from
the registry, earlier runs left `running` marked failed) and one transaction at the end with
all of its pages, fetches, observations and rejects plus its final status. A crawl killed in
between leaves no partial batch, only a `running` row that the next start marks failed.

The final transaction is a `RunWrite`. A crawl begins it once every page is fetched and stages
rows into it while its last pages are still being read; `commit` inserts the observations and
records the verdict. `write_run` does it all at once for a batch in hand. The file is opened only for these
writes (benchmark.store retries while a reader holds it).

Rows reach their tables through temporary staging tables (crawl/staging.sql) filled by the
appender, then the crawl/*.sql statements. Not through Arrow: pyarrow loads pandas on its
first table, ~0.3 s at every crawl's start, and the crawl process has no other use for either.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import duckdb

from benchmark.sqlfiles import load_sql
from benchmark.store import connection, init_db, open_connection

FOUR_PLACES = Decimal("0.0001")

# The keys each kind of row is read by: the columns of its table (schema.sql) a crawl fills.
COMPETITOR_COLUMNS = (
    "competitor_id", "name", "website", "country", "currency", "delivery", "service_type",
    "verticals", "pricing_urls", "billing_increment_seconds", "billing_notes", "render",
    "updated_at",
)
PAGE_COLUMNS = ("content_hash", "body_gzip", "size_bytes", "first_seen_at")
FETCH_COLUMNS = (
    "run_id", "competitor_id", "url", "final_url", "status", "fetched_at", "content_hash", "ok",
    "error", "plans_found", "warnings", "skipped",
)
OBSERVATION_COLUMNS = (
    "run_id", "competitor_id", "url", "final_url", "fetched_at", "content_hash", "plan_name",
    "price", "currency", "unit", "included_minutes", "included_calls", "overage_per_minute",
    "overage_per_call", "setup_fee", "billing_increment_seconds", "annual_price_per_month",
    "evidence",
)
REJECT_COLUMNS = (
    "run_id", "competitor_id", "url", "fetched_at", "content_hash", "plan_name", "reason", "plan",
)
# DECIMAL(14, 4) columns: quantized here, so that no amount is rounded by a cast on the way.
MONEY_COLUMNS = frozenset(
    {"price", "overage_per_minute", "overage_per_call", "setup_fee", "annual_price_per_month"}
)


class StagingError(ValueError):
    """Rows that could not be staged for a write (a value of the wrong type or out of range)."""


@dataclass
class RunVerdict:
    """How a run ended, for its `crawl_runs` row."""

    finished_at: datetime
    status: str
    finish_reason: str
    pages_ok: int = 0
    pages_failed: int = 0
    pages_skipped: int = 0
    plans: int = 0
    rejects: int = 0
    errors: list[str] = field(default_factory=list)
    stats: Mapping[str, Any] = field(default_factory=dict)
    monitors: Mapping[str, Any] | None = None
    degraded_competitors: list[str] = field(default_factory=list)


@dataclass
class RunBatch:
    """Everything one crawl run stores, written in one transaction by `write_run`."""

    run_id: str
    finished_at: datetime
    status: str
    finish_reason: str
    pages: list[dict[str, Any]] = field(default_factory=list)
    fetches: list[dict[str, Any]] = field(default_factory=list)
    observations: list[dict[str, Any]] = field(default_factory=list)
    rejects: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stats: Mapping[str, Any] = field(default_factory=dict)
    monitors: Mapping[str, Any] | None = None
    degraded_competitors: list[str] = field(default_factory=list)

    @property
    def pages_ok(self) -> int:
        return sum(1 for f in self.fetches if f["ok"])

    @property
    def pages_failed(self) -> int:
        """Failed fetches; a page skipped by policy (robots.txt) is not a failure."""
        return sum(1 for f in self.fetches if not f["ok"] and not f.get("skipped"))

    @property
    def pages_skipped(self) -> int:
        return sum(1 for f in self.fetches if f.get("skipped"))

    def verdict(self) -> RunVerdict:
        return RunVerdict(
            finished_at=self.finished_at,
            status=self.status,
            finish_reason=self.finish_reason,
            pages_ok=self.pages_ok,
            pages_failed=self.pages_failed,
            pages_skipped=self.pages_skipped,
            plans=len(self.observations),
            rejects=len(self.rejects),
            errors=self.errors,
            stats=self.stats,
            monitors=self.monitors,
            degraded_competitors=self.degraded_competitors,
        )


def to_json(value: Any) -> str:
    """JSON for stats and monitors: datetimes as ISO text, Decimals as strings."""

    def default(obj: Any) -> Any:
        if isinstance(obj, datetime):
            return obj.isoformat()
        if isinstance(obj, Decimal):
            return str(obj)
        if isinstance(obj, set | frozenset | tuple):
            return sorted(obj, key=str)
        return str(obj)

    return json.dumps(value, default=default, sort_keys=True)


def _money(value: Any) -> Decimal | None:
    if value is None:
        return None
    if not isinstance(value, Decimal):
        value = Decimal(str(value))  # through its text: a float's binary noise stays out
    return value.quantize(FOUR_PLACES)


def _stage(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Mapping[str, Any]],
    fixed: Mapping[str, Any] | None = None,
) -> None:
    """Append `rows` (read by column name; `fixed` gives a value for every row) to the staging
    table `table` through DuckDB's appender."""
    fixed = fixed or {}
    money = [i for i, name in enumerate(columns) if name in MONEY_COLUMNS]

    def values(row: Mapping[str, Any]) -> list[Any]:
        out = [fixed[name] if name in fixed else row.get(name) for name in columns]
        for i in money:
            out[i] = _money(out[i])
        return out

    try:
        appender = con.appender(table, columns=list(columns))
        appender.append_rows(map(values, rows))
        appender.flush()
    except (duckdb.Error, ArithmeticError, ValueError, TypeError) as exc:
        raise StagingError(f"could not stage rows for {table}: {exc}") from exc


def start_run(
    db: str | os.PathLike[str] | None,
    *,
    run_id: str,
    started_at: datetime,
    mirror: str | None,
    competitor_ids: Sequence[str],
    competitors: Iterable[Mapping[str, Any]],
    as_of: datetime | None = None,
) -> list[str]:
    """Record a run as `running`, refresh competitors, fail runs left running; returns those."""
    now = datetime.now(UTC)
    with connection(db) as con:
        init_db(con)
        con.execute(load_sql("crawl/staging"))
        con.begin()
        interrupted = [
            row[0]
            for row in con.execute(
                "SELECT run_id FROM crawl_runs WHERE status = 'running' AND run_id <> ?", [run_id]
            ).fetchall()
        ]
        con.execute(
            "UPDATE crawl_runs SET status = 'failed', finish_reason = 'interrupted', "
            "finished_at = coalesce(finished_at, ?) WHERE status = 'running' AND run_id <> ?",
            [now, run_id],
        )
        _stage(con, "staged_competitors", COMPETITOR_COLUMNS, competitors,
               fixed={"updated_at": now})
        con.execute(load_sql("crawl/upsert_competitors"))
        con.execute(
            load_sql("crawl/start_run"),
            {
                "run_id": run_id,
                "started_at": started_at,
                "mirror": mirror,
                "competitors": list(competitor_ids),
                "as_of": as_of,
            },
        )
        con.commit()
    return interrupted


class RunWrite:
    """A run's final write: one transaction, open from the first rows staged to `commit`.

    Nothing of it is visible before `commit`, and a crawl killed before then leaves nothing
    behind. Writing a run id again replaces that run's rows.
    """

    def __init__(self, db: str | os.PathLike[str] | None, run_id: str) -> None:
        self.run_id = run_id
        self._run = {"run_id": run_id}
        self.con: duckdb.DuckDBPyConnection | None = open_connection(db)
        try:
            # Checkpointed at commit instead of logged: the run's page bodies (13 MB for 2,000
            # pages) are written once, not to the WAL and then again when the connection closes.
            self.con.execute("SET checkpoint_threshold = '1MB'")
            init_db(self.con)
            self.con.execute(load_sql("crawl/staging"))
            self.con.begin()
            for table in ("fetches", "observations", "rejects"):
                # Re-running a run id replaces its rows instead of duplicating them.
                self.con.execute(f"DELETE FROM {table} WHERE run_id = ?", [run_id])  # noqa: S608
        except BaseException:
            self.abort()
            raise

    def _open(self) -> duckdb.DuckDBPyConnection:
        if self.con is None:
            raise RuntimeError(f"the write of run {self.run_id} is already closed")
        return self.con

    def stage(
        self,
        *,
        pages: Iterable[Mapping[str, Any]] = (),
        fetches: Iterable[Mapping[str, Any]] = (),
        observations: Iterable[Mapping[str, Any]] = (),
        rejects: Iterable[Mapping[str, Any]] = (),
    ) -> None:
        """Add rows to the write; StagingError (the transaction rolled back) if one can't be.

        Pages, fetches and rejects go on into their tables at once (within the transaction):
        they are stored whatever the verdict, so that `commit` has less to do when the crawl
        ends. Observations wait in staging for `commit`, which may withhold some.
        """
        con = self._open()
        try:
            for name, columns, rows, fixed in (
                ("pages", PAGE_COLUMNS, pages, None),
                ("fetches", FETCH_COLUMNS, fetches, self._run),
                ("observations", OBSERVATION_COLUMNS, observations, self._run),
                ("rejects", REJECT_COLUMNS, rejects, self._run),
            ):
                rows = list(rows)
                if not rows:
                    continue
                _stage(con, f"staged_{name}", columns, rows, fixed=fixed)
                if name != "observations":
                    con.execute(load_sql(f"crawl/insert_{name}"))
                    con.execute(f"DELETE FROM staged_{name}")  # noqa: S608 - our table names
        except BaseException:
            self.abort()
            raise

    def commit(self, verdict: RunVerdict, *, withheld_competitors: Sequence[str] = ()) -> None:
        """Insert the staged observations, less those of `withheld_competitors`, record the
        verdict and commit; the transaction is rolled back if any of it fails."""
        con = self._open()
        try:
            if withheld_competitors:
                con.execute(
                    "DELETE FROM staged_observations WHERE list_contains(?, competitor_id)",
                    [list(withheld_competitors)],
                )
            con.execute(load_sql("crawl/insert_observations"))
            con.execute(
                load_sql("crawl/finish_run"),
                {
                    "run_id": self.run_id,
                    "finished_at": verdict.finished_at,
                    "status": verdict.status,
                    "finish_reason": verdict.finish_reason,
                    "pages_ok": verdict.pages_ok,
                    "pages_failed": verdict.pages_failed,
                    "pages_skipped": verdict.pages_skipped,
                    "plans": verdict.plans,
                    "rejects": verdict.rejects,
                    "errors": verdict.errors,
                    "stats": to_json(verdict.stats),
                    "monitors": None if verdict.monitors is None else to_json(verdict.monitors),
                    "degraded_competitors": verdict.degraded_competitors,
                },
            )
            con.commit()
        except BaseException:
            self.abort()
            raise
        self.con = None
        con.close()

    def abort(self) -> None:
        """Roll back whatever was staged and let go of the file; safe to call twice."""
        con, self.con = self.con, None
        if con is None:
            return
        try:
            con.rollback()
        except duckdb.Error:
            pass  # no transaction open yet: it failed before begin()
        finally:
            con.close()


def write_run(db: str | os.PathLike[str] | None, batch: RunBatch) -> None:
    """Store a finished run in one transaction; writing the same run again replaces it."""
    write = RunWrite(db, batch.run_id)
    write.stage(pages=batch.pages, fetches=batch.fetches, observations=batch.observations,
                rejects=batch.rejects)  # fmt: skip
    write.commit(batch.verdict())


def finalize_run(
    db: str | os.PathLike[str] | None,
    run_id: str,
    *,
    status: str,
    finish_reason: str | None,
    stats: Mapping[str, Any],
    monitors: Mapping[str, Any] | None,
    degraded_competitors: Sequence[str],
) -> None:
    """Update a run's verdict, stats and monitor results once the crawler has fully closed."""
    with connection(db) as con:
        con.execute(
            "UPDATE crawl_runs SET status = ?, finish_reason = coalesce(?, finish_reason), "
            "finished_at = coalesce(finished_at, ?), stats = ?, monitors = ?, "
            "degraded_competitors = ? WHERE run_id = ?",
            [
                status,
                finish_reason,
                datetime.now(UTC),
                to_json(stats),
                None if monitors is None else to_json(monitors),
                list(degraded_competitors),
                run_id,
            ],
        )
