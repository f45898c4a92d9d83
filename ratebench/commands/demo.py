"""`ratebench demo`: crawl the bundled offline market into a fresh database, open the dashboard.

Older snapshots are replayed at their own dates (so versions, changes and band history have
something to show); the newest is crawled now, as the nightly job would.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from ratebench.errors import UserError

DEMO_DB = Path("data/demo.duckdb")
FAST_CRAWL = ("-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="crawl the offline market into a demo database and open the dashboard",
        description="Build a demo database from every snapshot of the bundled offline market "
        "(served on 127.0.0.1), rebuild the engine's tables, then start the dashboard.",
    )
    parser.add_argument("--db", metavar="PATH", default=str(DEMO_DB), help="demo database file")
    parser.add_argument("--port", type=int, default=8501, help="dashboard port (8501)")
    parser.add_argument(
        "--no-dashboard", action="store_true", help="build the database and stop there"
    )
    parser.set_defaults(handler=run)


def _ratebench(*args: str) -> int:
    """Run one `ratebench` subcommand in a child process (Scrapy's reactor cannot restart)."""
    return subprocess.call([sys.executable, "-m", "ratebench", *args])


def _fresh(db: Path) -> None:
    for path in (db, db.with_name(db.name + ".wal")):
        path.unlink(missing_ok=True)


def run(args: argparse.Namespace) -> int:
    from scrapers.market.server import MarketServer
    from scrapers.market.snapshots import available_snapshots

    db = Path(args.db)
    snapshots = available_snapshots()
    if not snapshots:
        raise UserError("the offline market has no snapshots (scrapers/market/snapshots/ is empty)")
    _fresh(db)
    print(f"ratebench demo: {len(snapshots)} market snapshots -> {db}")
    for index, snapshot in enumerate(snapshots):
        latest = index == len(snapshots) - 1
        stamp = [] if latest else ["--fetched-at", f"{snapshot}T02:00:00+00:00"]
        with MarketServer(snapshot) as server:
            print(f"  crawling snapshot {snapshot} from {server.url}" + (" (now)" if latest else ""))
            code = _ratebench(
                "crawl", "--mirror", server.url, "--db", str(db), *stamp, *FAST_CRAWL
            )
        # A degraded run (a page answering 500, a robots-refused URL) is part of the demo market.
        if code not in (0, 1):
            print(f"ratebench demo: crawl of snapshot {snapshot} failed (exit {code})", file=sys.stderr)
            return code
    if _ratebench("rebuild", "--db", str(db)) != 0:
        print("ratebench demo: engine rebuild failed", file=sys.stderr)
        return 1
    print("\nratebench demo: the store")
    _ratebench("db", "info", "--db", str(db))
    print("\nratebench demo: price changes between snapshots")
    _ratebench("changes", "--db", str(db))
    if args.no_dashboard:
        return 0
    print(f"ratebench demo: dashboard on http://127.0.0.1:{args.port} (Ctrl-C to stop)")
    return _ratebench("dashboard", "--db", str(db), "--port", str(args.port))
