"""Materialize the engine's marts after a good crawl (`ratebench rebuild`, called by the scheduler).

The API computes versions, changes and bands live from the observations (fast enough: DuckDB
does 10M rows in well under a second), so these tables are copies for other readers (SQL
users, exports); the rebuild also runs the checks and logs the result in engine_builds.
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

    def to_json(self) -> dict[str, Any]:
        return {"versions": self.versions, "changes": self.changes,
                "check_failures": self.check_failures}


def rebuild(con: duckdb.DuckDBPyConnection) -> RebuildResult:
    """Replace mart_rate_versions and mart_rate_changes in one transaction; run the checks."""
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
    return RebuildResult(versions, changes, failures)
