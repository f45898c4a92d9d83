"""`ratebench dashboard`: start the Streamlit dashboard, bound to 127.0.0.1 by default."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import duckdb

from benchmark.store import StoreLocked, connection, init_db, resolve_db_path
from ratebench.errors import UserError

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "dashboard", help="open the dashboard (Streamlit) on the benchmark database"
    )
    parser.add_argument("--port", type=int, default=8501, help="TCP port (default 8501)")
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, local only)"
    )
    parser.add_argument("--db", help="database file (default: RATEBENCH_DB or data/ratebench.duckdb)")
    parser.set_defaults(handler=run)


def streamlit_command(host: str, port: int) -> list[str]:
    """The `streamlit run` command line for the dashboard."""
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.headless", "true",
        "--server.address", host,
        "--server.port", str(port),
        "--browser.gatherUsageStats", "false",
    ]


def bring_schema_up_to_date(db: Path) -> str | None:
    """Add the columns this version stores to a database an older one wrote (the views read
    them); None when done, else a note saying why not now."""
    try:
        with connection(db, timeout_s=10) as con:
            init_db(con)  # idempotent: CREATE ... IF NOT EXISTS, ADD COLUMN IF NOT EXISTS
    except StoreLocked:
        return f"{db} is busy (a crawl is writing); that crawl brings its schema up to date"
    except duckdb.Error as exc:
        return f"could not bring {db} up to date: {exc}"
    return None


def run(args: argparse.Namespace) -> int:
    if not 0 < args.port < 65536:
        raise UserError(f"--port {args.port} is not a TCP port (1-65535)")
    if not APP.is_file():
        raise UserError(f"dashboard app not found at {APP}")
    db = resolve_db_path(args.db).resolve()
    env = dict(os.environ, RATEBENCH_DB=str(db))
    print(f"ratebench dashboard: http://{args.host}:{args.port}/ (database {db})", flush=True)
    if not db.exists():
        print(f"note: {db} does not exist yet; run `make demo` or `ratebench crawl`", flush=True)
    elif note := bring_schema_up_to_date(db):
        print(f"note: {note}", flush=True)
    try:
        return subprocess.run(streamlit_command(args.host, args.port), env=env, check=False).returncode
    except KeyboardInterrupt:
        return 0
