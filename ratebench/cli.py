"""The `ratebench` command line: one entry point, one module per command group."""

from __future__ import annotations

import argparse
import importlib
import sys

from ratebench.errors import UserError

# Each module in ratebench.commands exposes `register(subparsers)`; the handler it sets
# with `set_defaults(handler=...)` returns the process exit code.
COMMAND_MODULES = (
    "market",
    "extract",
    "crawl",
    "db",
    "engine",
    "dashboard",
    "schedule",
    "demo",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ratebench", description="Benchmark answering-service prices against the market."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"ratebench.commands.{name}")
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except UserError as exc:
        print(f"ratebench {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
