"""Writes: a crawl's observations through the project's writer (benchmark.writer.write_run),
against row-by-row INSERTs (timed on a sample and extrapolated, said so in the table)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from benchmark import writer
from benchmark.store import init_db
from benchmarks.harness import SCALES, WORK, Figure, log, scaled, timed

FULL_ROWS = 1_000_000
QUICK_ROWS = 2_000
ROW_BY_ROW_SAMPLE = 5_000
QUICK_SAMPLE = 200
COLUMNS = writer.OBSERVATION_COLUMNS


def observations(count: int, run_id: str) -> list[dict[str, Any]]:
    """`count` observation rows as the crawl's StorePipeline hands them to the writer."""
    start = datetime(2026, 1, 1, 2, 0, tzinfo=UTC)
    prices = [Decimal(f"{49 + i * 0.25:.2f}").quantize(Decimal("0.0001")) for i in range(400)]
    overages = [Decimal(f"{0.95 + i * 0.01:.2f}").quantize(Decimal("0.0001")) for i in range(100)]
    units = ("month", "minute", "call", "seat_month")
    rows = []
    for i in range(count):
        competitor = f"comp-{i // 10:06d}"
        url = f"https://{competitor}.example/pricing"
        price = prices[i % 400]
        rows.append({
            "run_id": run_id,
            "competitor_id": competitor,
            "url": url,
            "final_url": url,
            "fetched_at": start + timedelta(seconds=i // 10),
            "content_hash": f"{i // 10:064x}",
            "plan_name": f"Plan {i % 10}",
            "price": price,
            "currency": "USD",
            "unit": units[i % 4],
            "included_minutes": 100 * (i % 10) if i % 4 == 0 else None,
            "included_calls": None,
            "overage_per_minute": overages[i % 100] if i % 4 == 0 else None,
            "overage_per_call": None,
            "setup_fee": None,
            "billing_increment_seconds": 60 if i % 3 == 0 else None,
            "annual_price_per_month": None,
            "evidence": f"Plan {i % 10}: ${price}/mo",
        })
    return rows


def _fresh(path: Path, run_id: str) -> None:
    for stale in (path, path.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    writer.start_run(path, run_id=run_id, started_at=datetime.now(UTC), mirror=None,
                     competitor_ids=[], competitors=[])


def through_writer(path: Path, rows: list[dict[str, Any]], run_id: str) -> float:
    """Seconds for write_run to store `rows` (appender staging, one transaction)."""
    batch = writer.RunBatch(run_id=run_id, finished_at=datetime.now(UTC), status="ok",
                            finish_reason="finished", observations=rows)
    seconds, _ = timed(lambda: writer.write_run(path, batch))
    return seconds


def row_by_row(path: Path, rows: list[dict[str, Any]]) -> float:
    """Seconds to INSERT `rows` one statement each, in one transaction (the naive way)."""
    con = duckdb.connect(str(path))
    try:
        init_db(con)
        # Column names come from the writer's own schema, never from input.
        sql = (f"INSERT INTO observations ({', '.join(COLUMNS)}) "  # noqa: S608
               f"VALUES ({', '.join('?' for _ in COLUMNS)})")

        def insert() -> None:
            con.begin()
            for row in rows:
                con.execute(sql, [row[c] for c in COLUMNS])
            con.commit()

        seconds, _ = timed(insert)
    finally:
        con.close()
    return seconds


def run(quick: bool = False) -> list[Figure]:
    figures = []
    sizes = [QUICK_ROWS] if quick else [scaled(FULL_ROWS, s) for s in SCALES]
    sample_size = QUICK_SAMPLE if quick else ROW_BY_ROW_SAMPLE
    path = WORK / "writes.duckdb"
    WORK.mkdir(parents=True, exist_ok=True)
    _fresh(path, "sample")
    sample_s = row_by_row(path, observations(sample_size, "sample"))
    per_row_s = sample_s / sample_size
    for count in sizes:
        rows = observations(count, "bench")
        _fresh(path, "bench")
        seconds = through_writer(path, rows, "bench")
        con = duckdb.connect(str(path), read_only=True)
        stored = con.execute("SELECT count(*) FROM observations WHERE run_id = 'bench'").fetchall()[0][0]
        con.close()
        del rows
        if stored != count:
            raise RuntimeError(f"writer stored {stored} of {count} observations")
        extrapolated = per_row_s * count
        log(f"writes: {count:,} rows in {seconds:.2f} s")
        figures.append(Figure(
            "writes: observations via writer", f"{count:,} rows",
            f"{extrapolated / seconds:.0f}x row-by-row (extrapolated)",
            f"{count / seconds:,.0f} rows/s ({seconds:.2f} s)", "", None,
            note=f"row-by-row INSERT: {sample_size:,} rows took {sample_s:.2f} s "
            f"({1 / per_row_s:,.0f} rows/s), extrapolated to {extrapolated:,.0f} s for "
            f"{count:,} rows",
        ))
    return figures
