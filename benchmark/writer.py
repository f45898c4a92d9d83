"""Every write a crawl makes, through Arrow tables, in as few short transactions as possible.

A crawl writes twice: a short write when it starts (its `running` row, the competitors from
the registry, earlier runs left `running` marked failed) and one transaction at the end with
all of its pages, fetches, observations and rejects plus its final status. A crawl killed in
between leaves no partial batch, only a `running` row that the next start marks failed.
The file is opened only for the write (benchmark.store retries while a reader holds it).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa

from benchmark.sqlfiles import load_sql
from benchmark.store import connection, init_db

MONEY = pa.decimal128(14, 4)
TS = pa.timestamp("us", tz="UTC")
STRINGS = pa.list_(pa.string())
FOUR_PLACES = Decimal("0.0001")

COMPETITORS_SCHEMA = pa.schema(
    [
        ("competitor_id", pa.string()),
        ("name", pa.string()),
        ("website", pa.string()),
        ("country", pa.string()),
        ("currency", pa.string()),
        ("delivery", pa.string()),
        ("service_type", pa.string()),
        ("verticals", STRINGS),
        ("pricing_urls", STRINGS),
        ("billing_increment_seconds", pa.int32()),
        ("billing_notes", pa.string()),
        ("render", pa.string()),
        ("updated_at", TS),
    ]
)
PAGES_SCHEMA = pa.schema(
    [
        ("content_hash", pa.string()),
        ("body_gzip", pa.binary()),
        ("size_bytes", pa.int32()),
        ("first_seen_at", TS),
    ]
)
FETCHES_SCHEMA = pa.schema(
    [
        ("run_id", pa.string()),
        ("competitor_id", pa.string()),
        ("url", pa.string()),
        ("final_url", pa.string()),
        ("status", pa.int32()),
        ("fetched_at", TS),
        ("content_hash", pa.string()),
        ("ok", pa.bool_()),
        ("error", pa.string()),
        ("plans_found", pa.int32()),
        ("warnings", STRINGS),
        ("skipped", pa.bool_()),
    ]
)
OBSERVATIONS_SCHEMA = pa.schema(
    [
        ("run_id", pa.string()),
        ("competitor_id", pa.string()),
        ("url", pa.string()),
        ("final_url", pa.string()),
        ("fetched_at", TS),
        ("content_hash", pa.string()),
        ("plan_name", pa.string()),
        ("price", MONEY),
        ("currency", pa.string()),
        ("unit", pa.string()),
        ("included_minutes", pa.int32()),
        ("included_calls", pa.int32()),
        ("overage_per_minute", MONEY),
        ("overage_per_call", MONEY),
        ("setup_fee", MONEY),
        ("billing_increment_seconds", pa.int32()),
        ("annual_price_per_month", MONEY),
        ("evidence", pa.string()),
    ]
)
REJECTS_SCHEMA = pa.schema(
    [
        ("run_id", pa.string()),
        ("competitor_id", pa.string()),
        ("url", pa.string()),
        ("fetched_at", TS),
        ("content_hash", pa.string()),
        ("plan_name", pa.string()),
        ("reason", pa.string()),
        ("plan", pa.string()),
    ]
)
MONEY_COLUMNS = {f.name for f in OBSERVATIONS_SCHEMA if f.type == MONEY}


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
    return Decimal(str(value)).quantize(FOUR_PLACES)


def _table(rows: Sequence[Mapping[str, Any]], schema: pa.Schema) -> pa.Table:
    columns = {name: [row.get(name) for row in rows] for name in schema.names}
    for name in MONEY_COLUMNS & set(columns):
        if schema.field(name).type == MONEY:
            columns[name] = [_money(v) for v in columns[name]]
    return pa.Table.from_pydict(columns, schema=schema)


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
    staged = _table([{**c, "updated_at": now} for c in competitors], COMPETITORS_SCHEMA)
    with connection(db) as con:
        init_db(con)
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
        con.register("staged_competitors", staged)
        con.execute(load_sql("crawl/upsert_competitors"))
        con.unregister("staged_competitors")
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


def write_run(db: str | os.PathLike[str] | None, batch: RunBatch) -> None:
    """Store a finished run in one transaction; writing the same run again replaces it."""
    staged = {
        "staged_pages": _table(batch.pages, PAGES_SCHEMA),
        "staged_fetches": _table(
            [{**f, "run_id": batch.run_id} for f in batch.fetches], FETCHES_SCHEMA
        ),
        "staged_observations": _table(
            [{**o, "run_id": batch.run_id} for o in batch.observations], OBSERVATIONS_SCHEMA
        ),
        "staged_rejects": _table(
            [{**r, "run_id": batch.run_id} for r in batch.rejects], REJECTS_SCHEMA
        ),
    }
    with connection(db) as con:
        init_db(con)
        con.begin()
        try:
            for table in ("fetches", "observations", "rejects"):
                # Re-running a run id replaces its rows instead of duplicating them.
                con.execute(f"DELETE FROM {table} WHERE run_id = ?", [batch.run_id])  # noqa: S608
            for name, table in staged.items():
                con.register(name, table)
            for name in ("pages", "fetches", "observations", "rejects"):
                con.execute(load_sql(f"crawl/insert_{name}"))
            con.execute(
                load_sql("crawl/finish_run"),
                {
                    "run_id": batch.run_id,
                    "finished_at": batch.finished_at,
                    "status": batch.status,
                    "finish_reason": batch.finish_reason,
                    "pages_ok": batch.pages_ok,
                    "pages_failed": batch.pages_failed,
                    "pages_skipped": batch.pages_skipped,
                    "plans": len(batch.observations),
                    "rejects": len(batch.rejects),
                    "errors": batch.errors,
                    "stats": to_json(batch.stats),
                    "monitors": None if batch.monitors is None else to_json(batch.monitors),
                    "degraded_competitors": batch.degraded_competitors,
                },
            )
            con.commit()
        except BaseException:
            con.rollback()
            raise
        finally:
            for name in staged:
                con.unregister(name)


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
