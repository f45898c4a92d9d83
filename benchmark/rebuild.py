"""Materialize the engine's marts after a good crawl (`ratebench rebuild`, called by the scheduler).

The API computes versions, changes and bands live from the observations, so mart_rate_versions
and mart_rate_changes are copies for other readers (SQL users, exports). mart_latest_plans is
read by the API itself (profile prices, bands, recommendations) while it is fresh -- while its
source run (mart_latest_plans_source) is still the latest good crawl run; once a newer good run
lands and no rebuild has followed, the API computes latest plans live again. The rebuild also
runs the checks and logs the result in engine_builds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb

from benchmark.market import compose, run_checks
from benchmark.sqlfiles import load_sql


def ensure_engine_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the engine's own tables when missing; idempotent."""
    con.execute(load_sql("engine_schema"))


@dataclass(frozen=True, slots=True)
class RebuildResult:
    versions: int
    changes: int
    check_failures: dict[str, int]
    latest_plans: int = 0
    source_run_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"versions": self.versions, "changes": self.changes,
                "latest_plans": self.latest_plans, "source_run_id": self.source_run_id,
                "check_failures": self.check_failures}


def rebuild(con: duckdb.DuckDBPyConnection) -> RebuildResult:
    """Replace mart_rate_versions, mart_rate_changes and mart_latest_plans (with its source
    run) in one transaction; run the checks."""
    ensure_engine_schema(con)
    checks = run_checks(con)
    failures = {name: len(rows) for name, rows in checks.items() if rows}
    con.execute("BEGIN")
    try:
        con.execute(
            "CREATE OR REPLACE TABLE mart_rate_versions AS "
            + compose("marts/rate_versions", "staging/good_observations")
        )
        con.execute(
            "CREATE OR REPLACE TABLE mart_rate_changes AS "
            + compose("marts/rate_changes", "staging/good_observations", "marts/rate_versions")
        )
        # The source run is read inside the transaction, so it matches the plans copied.
        source = con.execute(
            "SELECT run_id FROM crawl_runs WHERE status IN ('ok', 'degraded') "
            "ORDER BY started_at DESC, run_id DESC LIMIT 1"
        ).fetchall()
        source_run_id = source[0][0] if source else None
        con.execute(
            "CREATE OR REPLACE TABLE mart_latest_plans AS "
            + compose("marts/latest_plans", "staging/good_observations"),
            {"as_of": None},
        )
        con.execute("DELETE FROM mart_latest_plans_source")
        con.execute("INSERT INTO mart_latest_plans_source VALUES (?, ?)",
                    [source_run_id, datetime.now(UTC)])
        latest = con.execute("SELECT count(*) FROM mart_latest_plans").fetchall()[0][0]
        versions = con.execute("SELECT count(*) FROM mart_rate_versions").fetchall()[0][0]
        changes = con.execute("SELECT count(*) FROM mart_rate_changes").fetchall()[0][0]
        con.execute(
            "INSERT INTO engine_builds VALUES (?, ?, ?, ?)",
            [datetime.now(UTC), versions, changes, json.dumps(failures)],
        )
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return RebuildResult(versions, changes, failures, latest, source_run_id)
