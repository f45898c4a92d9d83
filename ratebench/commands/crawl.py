"""`ratebench crawl`: run the `rates` spider in this process, store the run, judge it."""

from __future__ import annotations

import argparse
import sys

from ratebench.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "crawl",
        help="crawl the competitors' pricing pages into the database",
        description="Crawl every registry pricing URL (or those of --competitor) into DuckDB. "
        "Pages a site's robots.txt disallows are never fetched; they are reported as skipped. "
        "Only one crawl runs on a database at a time: this takes the lock DB.crawl.lock that "
        "the scheduler takes too, and refuses to start (exit 2, nothing written) while another "
        "crawl holds it. "
        "Exit 0 when the run is ok, 1 when it is degraded or failed, 2 on bad input or a busy "
        "database.",
    )
    parser.add_argument("--mirror", metavar="URL", help="fetch through an offline mirror")
    parser.add_argument(
        "--competitor",
        metavar="ID",
        action="append",
        default=[],
        help="crawl only this competitor (repeatable)",
    )
    parser.add_argument("--db", metavar="PATH", help="database file (default: RATEBENCH_DB)")
    parser.add_argument(
        "--fetched-at",
        metavar="ISO",
        help="stamp every fetch with this time (replaying an archived snapshot)",
    )
    parser.add_argument("--registry", metavar="PATH", help="competitor registry (TOML)")
    parser.add_argument("--run-id", metavar="ID", help="run id (re-running one replaces it)")
    parser.add_argument(
        "-s",
        "--set",
        dest="settings",
        metavar="NAME=VALUE",
        action="append",
        default=[],
        help="override a Scrapy setting, e.g. -s DOWNLOAD_DELAY=0",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no per-page progress lines")
    parser.add_argument("--log-level", default="WARNING", help="Scrapy log level (WARNING)")
    parser.set_defaults(handler=run)


def _settings(pairs: list[str], log_level: str) -> dict[str, str]:
    settings = {"LOG_LEVEL": log_level.upper()}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UserError(f"--set {pair!r} is not NAME=VALUE")
        settings[name.strip()] = value
    return settings


def run(args: argparse.Namespace) -> int:
    from benchmark.store import resolve_db_path
    from ratebench.locks import LockBusy, crawl_lock
    from scrapers.registry import RegistryError
    from scrapers.runner import run_crawl
    from scrapers.spiders.rates import BadCrawlArgument

    settings = _settings(args.settings, args.log_level)
    db = resolve_db_path(args.db)
    try:
        with crawl_lock(db):
            outcome = run_crawl(
                mirror=args.mirror,
                competitor_ids=args.competitor,
                db=str(db),
                fetched_at=args.fetched_at,
                registry=args.registry,
                settings=settings,
                run_id=args.run_id,
                progress=None if args.quiet else sys.stderr,
            )
    except LockBusy as busy:
        who = f"pid {busy.holder_pid}" if busy.holder_pid else "another process"
        raise UserError(
            f"a crawl is already running on {db} ({who} holds {busy.path}); "
            "not starting a second one"
        ) from None
    except (RegistryError, BadCrawlArgument) as exc:
        raise UserError(str(exc)) from exc
    skipped = f", {len(outcome.skipped)} skipped" if outcome.skipped else ""
    print(
        f"run {outcome.run_id}: {outcome.status} ({outcome.finish_reason}) — "
        f"{outcome.pages_ok} pages ok, {outcome.pages_failed} failed{skipped}, "
        f"{outcome.plans} plans, {outcome.rejects} rejects, {outcome.seconds:.1f} s → {outcome.db}"
    )
    for error in outcome.errors:
        print(f"  error: {error}")
    for page in outcome.skipped:
        print(f"  skipped: {page}")
    return outcome.exit_code
