"""A synthetic market database generated inside DuckDB (benchmarks/sql/synth_market.sql).

`competitors` x 10 plans x `nights` observations, one good crawl per night; sizes are exact.
The build ends with `benchmark.rebuild.rebuild` (as the scheduler does after a good crawl).
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from benchmark.rebuild import rebuild
from benchmark.store import init_db
from benchmarks.harness import SQL

START = datetime(2024, 1, 1, 2, 0, tzinfo=UTC)
PLANS = 10


def statements(name: str) -> list[str]:
    """The statements of benchmarks/sql/<name>.sql, comments removed, in order."""
    text = (SQL / f"{name}.sql").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";\n") if s.strip()]


def build_market(path: Path, competitors: int, nights: int) -> Path:
    """A fresh database file at `path` holding the synthetic market; returns `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in (path, path.with_suffix(path.suffix + ".wal")):
        stale.unlink(missing_ok=True)
    values = {"competitors": competitors, "nights": nights, "start": START}
    con = duckdb.connect(str(path))
    try:
        init_db(con)
        con.begin()
        for statement in statements("synth_market"):
            wanted = set(re.findall(r"\$([a-z_]+)", statement))
            con.execute(statement, {k: v for k, v in values.items() if k in wanted})
        con.commit()
        # What the scheduler does after every good crawl: materialize the engine's marts
        # (mart_latest_plans is what profile prices, bands and recommendations read).
        rebuild(con)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return path


def market_path(competitors: int, nights: int) -> Path:
    from benchmarks.harness import WORK

    return WORK / f"market-{competitors}x{PLANS}x{nights}.duckdb"


_BUILT: dict[Path, float] = {}


def ensure_market(competitors: int, nights: int) -> tuple[Path, float]:
    """The synthetic database for this size, built once per invocation; (path, build seconds)."""
    path = market_path(competitors, nights)
    if path not in _BUILT:
        start = time.perf_counter()
        build_market(path, competitors, nights)
        _BUILT[path] = time.perf_counter() - start
    return path, _BUILT[path]
