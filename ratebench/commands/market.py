"""`ratebench market`: serve or list the offline market's dated snapshots."""

from __future__ import annotations

import argparse
import sys

from ratebench.errors import UserError
from scrapers.market.snapshots import (
    SNAPSHOTS_DIR,
    SnapshotError,
    available_snapshots,
    check_snapshot,
    golden_cases,
    load_rules,
)

DEFAULT_PORT = 8765


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("market", help="the offline market mirror (serve, list)")
    commands = parser.add_subparsers(dest="market_command", required=True, metavar="ACTION")

    serve = commands.add_parser("serve", help="serve a snapshot on 127.0.0.1 until Ctrl-C")
    serve.add_argument("--snapshot", metavar="DATE", help="snapshot date (default: the latest)")
    serve.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 = any free)"
    )
    serve.set_defaults(handler=_serve)

    listing = commands.add_parser("list", help="list snapshots with page counts")
    listing.set_defaults(handler=_list)


def _serve(args: argparse.Namespace) -> int:
    from scrapers.market.server import MarketServer

    if not 0 <= args.port <= 65535:
        raise UserError(f"--port must be 0-65535, got {args.port}")
    try:
        server = MarketServer(snapshot=args.snapshot, port=args.port)
    except SnapshotError as exc:
        raise UserError(f"--snapshot: {exc}") from exc
    except OSError as exc:
        raise UserError(f"--port {args.port}: cannot listen on 127.0.0.1: {exc.strerror or exc}") from exc
    print(f"market snapshot {server.snapshot} at {server.url}/  (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    return 0


def _list(args: argparse.Namespace) -> int:
    dates = available_snapshots()
    if not dates:
        raise UserError("no snapshots found")
    print(f"{'snapshot':<12}{'pages':>6}{'changed':>9}{'plans':>7}  rules")
    for date in dates:
        check_snapshot(date)
        cases = golden_cases(date)
        # Pages this layer holds itself (new or changed); the rest fall through to older layers.
        changed = sum(1 for case in cases if (SNAPSHOTS_DIR / date) in case.folder.parents)
        plans = sum(len(case.expected["plans"]) for case in cases)
        rules = load_rules(date)
        notes = [
            f"{len(rules.redirects)} redirect(s)",
            f"{len(rules.removed)} removed",
            f"{len(rules.errors)} error(s)",
        ]
        print(f"{date:<12}{len(cases):>6}{changed:>9}{plans:>7}  {', '.join(notes)}")
    return 0
