"""`ratebench schedule`: the nightly scheduler, `--run-now` and `status`."""

from __future__ import annotations

import argparse
import json
import logging
import sys

from benchmark.store import resolve_db_path
from ratebench.config import load_config
from ratebench.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "schedule",
        help="run the nightly crawl scheduler (APScheduler, its own process)",
        description=(
            "Serve the crawl schedule until stopped (SIGTERM/SIGINT). Config: --config FILE or "
            "./ratebench.toml; secrets only from RATEBENCH_WEBHOOK_URL and "
            "RATEBENCH_SMTP_PASSWORD."
        ),
    )
    _common(parser, argparse_default=None)
    parser.add_argument(
        "--run-now", action="store_true",
        help="run one crawl now (same path as the scheduled job) and exit: 0 ok, 1 otherwise",
    )
    parser.set_defaults(handler=_serve)
    actions = parser.add_subparsers(dest="schedule_action", metavar="ACTION")
    status = actions.add_parser("status", help="next run, last run and its outcome")
    _common(status, argparse_default=argparse.SUPPRESS)
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(handler=_status)


def _common(parser: argparse.ArgumentParser, argparse_default: object) -> None:
    # Sub-command defaults would overwrite the parent's values: SUPPRESS keeps them.
    parser.add_argument("--config", default=argparse_default, help="TOML file (ratebench.toml)")
    parser.add_argument("--db", default=argparse_default, help="DuckDB file")


def _logging() -> None:
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def _serve(args: argparse.Namespace) -> int:
    from ratebench import scheduler

    config = load_config(args.config)
    db = resolve_db_path(args.db)
    _logging()
    if args.run_now:
        outcome = scheduler.execute_crawl(db, config)
        print(json.dumps(outcome.__dict__, default=str))
        return 0 if outcome.status == "ok" else 1
    try:
        scheduler.run_scheduler(db, config)
    except scheduler.LockBusy as busy:
        raise UserError(
            f"another scheduler already serves {db} (pid {busy.holder_pid}, lock "
            f"{busy.path}); refusing to start a second one"
        ) from None
    return 0


def _status(args: argparse.Namespace) -> int:
    from ratebench import scheduler

    config = load_config(getattr(args, "config", None))
    db = resolve_db_path(getattr(args, "db", None))
    info = scheduler.status(db, config)
    if args.json:
        print(json.dumps(info, default=str, indent=2))
        return 0
    last = info["last_run"]
    print(f"database:   {info['database']}")
    pid = info["scheduler_pid"]
    print(f"scheduler:  {f'running, pid {pid}' if pid else 'not running'}")
    if info["crawl_running_pid"]:
        print(f"crawl:      running, pid {info['crawl_running_pid']}")
    print(f"next run:   {info['next_run'] or 'not scheduled (start `ratebench schedule`)'}")
    if last:
        print(f"last run:   {last['run_id']} started {last['started_at']} -> {last['status']}"
              f"{' (' + last['finish_reason'] + ')' if last['finish_reason'] else ''}")
        if last["degraded_competitors"]:
            print(f"degraded:   {', '.join(last['degraded_competitors'])}")
    else:
        print("last run:   none")
    ok = info["last_ok_run"]
    print(f"last ok:    {ok['run_id'] + ' finished ' + str(ok['finished_at']) if ok else 'none'}")
    if info["overdue"]:
        print(f"ALERT:      {info['overdue']}")
    return 0
