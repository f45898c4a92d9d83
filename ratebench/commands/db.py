"""`ratebench db init` and `ratebench db info`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ratebench.errors import UserError

TABLES = ("competitors", "crawl_runs", "fetches", "pages", "observations", "rejects", "fx_rates")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("db", help="create or inspect the database")
    commands = parser.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    init = commands.add_parser("init", help="create the schema (idempotent)")
    init.add_argument("--db", metavar="PATH", help="database file (default: RATEBENCH_DB)")
    init.set_defaults(handler=init_command)
    info = commands.add_parser(
        "info",
        help="tables, row counts, last runs (pages ok / failed / skipped), size",
        description="Show the tables and their row counts, the pages kept, and the last crawl "
        "runs: status, pages ok / failed / skipped (refused by robots.txt, never fetched), "
        "plans, rejects, time taken, monitor results. Opens the database read-only; a "
        "skipped count shows as `?` for runs (or databases) older than that count.",
    )
    info.add_argument("--db", metavar="PATH", help="database file (default: RATEBENCH_DB)")
    info.add_argument("--runs", type=int, default=5, metavar="N", help="last N runs (5)")
    info.set_defaults(handler=info_command)


def init_command(args: argparse.Namespace) -> int:
    from benchmark.store import connection, init_db, resolve_db_path

    path = resolve_db_path(args.db)
    with connection(path) as con:
        init_db(con)
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
    print(f"{path}: schema ready ({len(tables)} tables: {', '.join(tables)})")
    return 0


def _monitors_summary(raw: Any) -> str:
    """`3 passed, 1 failed` from the monitors JSON the monitoring helper stores."""
    if raw is None:
        return "-"
    data = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(data, dict) or not data:
        return "-"
    counts: dict[str, int] = {}
    for value in data.values():
        outcome = value.get("status", value.get("outcome")) if isinstance(value, dict) else value
        key = str(outcome).lower()
        counts[key] = counts.get(key, 0) + 1
    return ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))


def _human_size(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


def info_command(args: argparse.Namespace) -> int:
    from benchmark.sqlfiles import load_sql
    from benchmark.store import connection, resolve_db_path

    path = resolve_db_path(args.db)
    if not Path(path).exists():
        raise UserError(f"database {path} does not exist (run `ratebench db init --db {path}`)")
    with connection(path, read_only=True) as con:
        present = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        counts = {}
        for table in TABLES:
            if table in present:
                # Table names come from the constant TABLES, never from input.
                counts[table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
        runs: list[dict[str, Any]] = []
        if "crawl_runs" in present:
            cursor = con.execute(load_sql("crawl/last_runs"), {"limit": args.runs})
            names = [d[0] for d in cursor.description]
            runs = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        pages = (0, 0, 0)
        if "pages" in present:
            pages = con.execute(
                "SELECT count(*), coalesce(sum(size_bytes), 0), "
                "coalesce(sum(octet_length(body_gzip)), 0) FROM pages"
            ).fetchone()
    print(f"database {path} ({_human_size(Path(path).stat().st_size)})")
    print("tables:")
    for table, count in counts.items():
        print(f"  {table:<14} {count:>8} rows")
    missing = [t for t in TABLES if t not in counts]
    if missing:
        print(f"  (missing: {', '.join(missing)} — run `ratebench db init`)")
    print(
        f"pages kept: {pages[0]} ({_human_size(pages[1])} of HTML, "
        f"{_human_size(pages[2])} gzip-compressed)"
    )
    if not runs:
        print("no crawl runs yet")
        return 0
    print(f"last {len(runs)} runs:")
    for run in runs:
        print(_run_line(run))
        if run["degraded_competitors"]:
            print(f"      degraded: {', '.join(run['degraded_competitors'])}")
    if any(run.get("pages_skipped") is None for run in runs):
        print(
            "  (? skipped: "
            + (
                "recorded before skipped pages were counted)"
                if "pages_skipped" in runs[0]
                else "this database predates skipped-page counts; "
                "`ratebench db init` adds them for later crawls)"
            )
        )
    return 0


def _run_line(run: dict[str, Any]) -> str:
    """One crawl run: when, verdict, pages ok / failed / skipped, plans, time, monitors."""
    started, finished = run["started_at"], run["finished_at"]
    took = f"{(finished - started).total_seconds():.1f} s" if finished else "-"
    # None: a run (or database) from before robots-skipped pages were counted.
    skipped = run.get("pages_skipped")
    return (
        f"  {run['run_id']}  {started:%Y-%m-%d %H:%M:%S}  {run['status']:<8} "
        f"{run['finish_reason'] or '-':<12} "
        f"pages {run['pages_ok'] or 0} ok / {run['pages_failed'] or 0} failed / "
        f"{'?' if skipped is None else skipped} skipped, "
        f"plans {run['plans'] or 0}, rejects {run['rejects'] or 0}, "
        f"{took}, monitors: {_monitors_summary(run['monitors'])}"
    )
