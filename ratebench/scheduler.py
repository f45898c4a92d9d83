"""The nightly scheduler: APScheduler 3 in its own process, each crawl in a child process.

Files beside the database DB (never shared with anything else):
- DB.scheduler.lock  flock held by the one scheduler of this database (holds its pid);
- DB.crawl.lock      flock held while a crawl job runs, so a crawl never runs twice at once,
                     whether it was started by the scheduler, by `--run-now` or by a manual
                     `ratebench crawl` (ratebench/locks.py). The crawl child inherits the
                     scheduler's locked descriptor, so the lock stays held while the child
                     lives even if the scheduler is killed; the file names the crawling pid;
- DB.jobs.sqlite     the persistent job store (SQLAlchemyJobStore), so a night missed while the
                     machine was off runs once at the next start.

APScheduler pitfalls handled here: misfire grace is in hours (the default of 1 s silently drops a
late run), coalesce=True, max_instances=1, and the job is added only when absent (or its trigger
updated keeping next_run_time) instead of add_job(replace_existing=True), which would discard a
missed run at every start.
"""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    EVENT_SCHEDULER_STARTED,
    JobExecutionEvent,
    SchedulerEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from benchmark.store import connection, init_db
from ratebench import alerts
from ratebench.config import Config, load_config
from ratebench.locks import (
    LockBusy,
    ProcessLock,
    crawl_lock_path,
    handing_down_env,
    lock_holder,
    scheduler_lock_path,
)

logger = logging.getLogger("ratebench.scheduler")

JOB_ID = "nightly-crawl"
OVERDUE_JOB_ID = "overdue-check"


# --- files beside the database ---------------------------------------------------------------


def jobstore_path(db: Path) -> Path:
    return db.with_name(db.name + ".jobs.sqlite")


# --- one crawl job ----------------------------------------------------------------------------


@dataclass
class CrawlOutcome:
    """What one crawl job did."""

    status: str  # ok | degraded | failed | skipped
    run_id: str | None = None
    exit_code: int | None = None
    timed_out: bool = False
    rebuild: str = "not run"  # not run | ok | failed | unavailable
    message: str = ""
    alerts: list[str] = field(default_factory=list)


_current_children: set[subprocess.Popen[bytes]] = set()
_children_lock = threading.Lock()


def _run_child(
    argv: list[str],
    timeout_s: float,
    grace_s: float,
    env: dict[str, str] | None = None,
    pass_fds: tuple[int, ...] = (),
) -> tuple[int, bool]:
    """Run argv in its own process group; on timeout SIGTERM it, then SIGKILL. -> (code, timed_out).

    The child inherits only `pass_fds` of our descriptors (close_fds stays on).
    """
    logger.info("starting: %s (time limit %.0f s)", " ".join(argv), timeout_s)
    child = subprocess.Popen(  # noqa: S603 - our python
        argv, start_new_session=True, env=env, pass_fds=pass_fds
    )
    with _children_lock:
        _current_children.add(child)
    try:
        try:
            return child.wait(timeout=timeout_s), False
        except subprocess.TimeoutExpired:
            logger.error("pid %d outlived its %.0f s limit; terminating", child.pid, timeout_s)
            _kill_group(child, signal.SIGTERM)
            try:
                child.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                _kill_group(child, signal.SIGKILL)
                child.wait()
            return child.returncode, True
    finally:
        with _children_lock:
            _current_children.discard(child)


def _kill_group(child: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    try:
        os.killpg(child.pid, sig)
    except ProcessLookupError:
        pass


def kill_children() -> None:
    """Stop every crawl child (scheduler shutdown); its run is marked failed at the next start."""
    with _children_lock:
        children = list(_current_children)
    for child in children:
        _kill_group(child, signal.SIGTERM)


def _cli_commands() -> dict[str, set[str]]:
    """The CLI's command groups and their sub-commands, to find the engine's rebuild."""
    import argparse

    from ratebench.cli import build_parser

    def choices(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
        for action in parser._actions:  # argparse keeps sub-parsers only here
            if isinstance(action, argparse._SubParsersAction):
                return dict(action.choices)
        return {}

    return {name: set(choices(sub)) for name, sub in choices(build_parser()).items()}


def rebuild_argv(db: Path) -> list[str] | None:
    """`ratebench rebuild` (or `ratebench engine rebuild`) when the engine provides it."""
    commands = _cli_commands()
    base = [sys.executable, "-m", "ratebench"]
    if "rebuild" in commands:
        return [*base, "rebuild", "--db", str(db)]
    if "rebuild" in commands.get("engine", set()):
        return [*base, "engine", "rebuild", "--db", str(db)]
    return None


def new_run_id(now: datetime | None = None) -> str:
    """A sortable run id the scheduler hands to the crawl child, so it can find the run."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-s{uuid.uuid4().hex[:7]}"


def crawl_argv(db: Path, config: Config, run_id: str) -> list[str]:
    argv = [sys.executable, "-m", "ratebench", "crawl", "--db", str(db), "--run-id", run_id, "-q"]
    if config.schedule.mirror:
        argv += ["--mirror", config.schedule.mirror]
    for competitor in config.schedule.competitors:
        argv += ["--competitor", competitor]
    for name, value in config.schedule.crawl_settings.items():
        argv += ["--set", f"{name}={value}"]
    return argv


def mark_interrupted_runs(db: Path, reason: str) -> list[str]:
    """Runs left 'running' by a crawl that died are failed; call only while holding the crawl lock."""
    if not db.exists():
        return []
    with connection(db) as con:
        init_db(con)
        rows = con.execute(
            "UPDATE crawl_runs SET status = 'failed', finished_at = coalesce(finished_at, now()), "
            "finish_reason = ? WHERE status = 'running' RETURNING run_id",
            [reason],
        ).fetchall()
    ids = [r[0] for r in rows]
    if ids:
        logger.warning("marked interrupted crawl run(s) failed: %s", ", ".join(ids))
    return ids


def run_status(db: Path, run_id: str) -> str | None:
    if not db.exists():
        return None
    with connection(db, read_only=True) as con:
        row = con.execute("SELECT status FROM crawl_runs WHERE run_id = ?", [run_id]).fetchone()
    return row[0] if row else None


def record_failure(db: Path, run_id: str, started: datetime, reason: str) -> None:
    """Fail the child's run, or record one when it died before writing any."""
    with connection(db) as con:
        init_db(con)
        updated = con.execute(
            "UPDATE crawl_runs SET status = 'failed', finished_at = coalesce(finished_at, now()), "
            "finish_reason = ? WHERE run_id = ? RETURNING run_id",
            [reason, run_id],
        ).fetchall()
        if not updated:
            con.execute(
                "INSERT INTO crawl_runs (run_id, started_at, finished_at, status, finish_reason) "
                "VALUES (?, ?, now(), 'failed', ?)",
                [run_id, started, reason],
            )


def execute_crawl(
    db: Path, config: Config, *, watching_since: datetime | None = None
) -> CrawlOutcome:
    """One crawl, exactly as the scheduled job runs it: lock, child, judge, rebuild, alert."""
    lock = ProcessLock(crawl_lock_path(db))
    try:
        lock.acquire()
    except LockBusy as busy:
        message = f"a crawl is already running on {db} ({busy}); not starting a second one"
        logger.warning(message)
        return CrawlOutcome(status="skipped", message=message)
    try:
        return _execute_locked(db, config, watching_since, lock)
    finally:
        lock.release()


def _execute_locked(
    db: Path, config: Config, watching_since: datetime | None, lock: ProcessLock
) -> CrawlOutcome:
    mark_interrupted_runs(db, "interrupted: the crawl process died before finishing")
    started = datetime.now(UTC)
    run_id = new_run_id(started)
    timeout_s = config.schedule.crawl_timeout_seconds
    # We hold DB.crawl.lock; the `ratebench crawl` child would find it busy, so it inherits our
    # locked descriptor and runs under it. Sharing the descriptor (not just trusting a pid)
    # keeps the lock held while the child lives even if we are SIGKILLed meanwhile.
    code, timed_out = _run_child(
        crawl_argv(db, config, run_id), timeout_s, config.schedule.kill_grace_seconds,
        env=handing_down_env(lock), pass_fds=(lock.fileno(),),
    )
    lock.record_pid()  # the child named itself the holder while it ran; we hold it again
    outcome = CrawlOutcome(status="failed", run_id=run_id, exit_code=code, timed_out=timed_out)
    status = run_status(db, run_id)
    if timed_out:
        outcome.message = f"crawl {run_id} killed after its {timeout_s:g} s limit"
        record_failure(db, run_id, started, f"timeout: killed after {timeout_s:g} s")
    elif status is None:
        outcome.message = f"crawl {run_id} exited {code} without recording its run"
        record_failure(db, run_id, started, f"crawl exited {code} without recording its run")
    elif status == "running":  # the child died between its start and final writes
        outcome.message = f"crawl {run_id} exited {code} leaving its run running"
        record_failure(db, run_id, started, f"crawl exited {code}, run left running")
    else:
        outcome.status = status
        outcome.message = f"crawl {run_id} ended {status} (exit {code})"
    logger.info(outcome.message)
    if outcome.status == "ok" and code == 0:
        outcome.rebuild = _rebuild(db, config)
    outcome.alerts = _raise_alerts(db, config, outcome, watching_since)
    return outcome


def _rebuild(db: Path, config: Config) -> str:
    argv = rebuild_argv(db)
    if argv is None:
        logger.info("the engine has no rebuild command; nothing to materialize")
        return "unavailable"
    code, timed_out = _run_child(
        argv, config.schedule.rebuild_timeout_seconds, config.schedule.kill_grace_seconds
    )
    if code == 0 and not timed_out:
        return "ok"
    logger.error("rebuild failed (exit %s%s)", code, ", timed out" if timed_out else "")
    return "failed"


def _raise_alerts(
    db: Path, config: Config, outcome: CrawlOutcome, watching_since: datetime | None
) -> list[str]:
    found: list[alerts.Alert] = []
    try:
        with connection(db, read_only=True) as con:
            if outcome.run_id:
                found += alerts.crawl_outcome_alerts(con, outcome.run_id)
                if outcome.status in ("ok", "degraded"):
                    found += alerts.price_change_alerts(
                        con, outcome.run_id, config.alerts.price_change_threshold
                    )
            overdue = alerts.overdue_alert(
                con, config.alerts.overdue_hours, watching_since=watching_since
            )
            if overdue is not None:
                found.append(overdue)
    except Exception:  # an alert query must never take the scheduler down
        logger.exception("could not compute alerts for %s", outcome.run_id)
        found.append(
            alerts.Alert(alerts.CRAWL_FAILED, f"alert check failed after {outcome.run_id}",
                         "critical", outcome.run_id)
        )
    alerts.dispatch(found, config.alerts)
    return [a.kind for a in found]


# --- the APScheduler jobs ---------------------------------------------------------------------

_watching_since: datetime | None = None
_last_overdue_alert: datetime | None = None


def scheduled_crawl(db: str, config_path: str | None) -> dict[str, Any]:
    """The persistent job: re-reads the config so an edited file applies without a restart."""
    outcome = execute_crawl(Path(db), load_config(config_path), watching_since=_watching_since)
    return outcome.__dict__


def check_overdue(db: str, config_path: str | None) -> None:
    """Hourly: alert (once per missed window) when no crawl ended ok for `overdue_hours`."""
    global _last_overdue_alert
    config = load_config(config_path)
    path = Path(db)
    if not path.exists():
        return
    with connection(path, read_only=True) as con:
        alert = alerts.overdue_alert(
            con, config.alerts.overdue_hours, watching_since=_watching_since
        )
    now = datetime.now(UTC)
    repeat = timedelta(hours=config.alerts.overdue_hours)
    if alert and (_last_overdue_alert is None or now - _last_overdue_alert >= repeat):
        _last_overdue_alert = now
        alerts.dispatch([alert], config.alerts)


def build_trigger(config: Config) -> BaseTrigger:
    schedule = config.schedule
    if schedule.interval_seconds:
        return IntervalTrigger(seconds=schedule.interval_seconds, timezone=schedule.timezone)
    return CronTrigger.from_crontab(schedule.cron, timezone=schedule.timezone)


def _trigger_key(trigger: BaseTrigger) -> tuple[str, str, str]:
    return type(trigger).__name__, str(trigger), str(getattr(trigger, "timezone", ""))


def create_scheduler(db: Path, config: Config) -> BlockingScheduler:
    return BlockingScheduler(
        jobstores={
            "default": SQLAlchemyJobStore(url=f"sqlite:///{jobstore_path(db).resolve()}"),
            "memory": MemoryJobStore(),
        },
        executors={"default": ThreadPoolExecutor(max_workers=2)},
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": config.schedule.misfire_grace_seconds,
        },
        timezone=config.schedule.timezone,
    )


def ensure_job(scheduler: BlockingScheduler, db: Path, config: Config) -> None:
    """Add the crawl job only when absent; otherwise update it, keeping its next_run_time.

    Keeping next_run_time is what lets a run missed while the scheduler was down fire once
    (coalesced) now, within the misfire grace.
    """
    trigger = build_trigger(config)
    args = [str(db.resolve()), str(config.source) if config.source else None]
    options = {
        "coalesce": True,
        "max_instances": 1,
        "misfire_grace_time": config.schedule.misfire_grace_seconds,
    }
    job = scheduler.get_job(JOB_ID, jobstore="default")
    if job is None:
        scheduler.add_job(
            scheduled_crawl, trigger, id=JOB_ID, name="nightly crawl", args=args,
            jobstore="default", **options,
        )
        logger.info("scheduled %s: %s", JOB_ID, trigger)
        return
    changes: dict[str, Any] = {}
    if _trigger_key(job.trigger) != _trigger_key(trigger):
        changes["trigger"] = trigger
        changes["next_run_time"] = job.next_run_time or trigger.get_next_fire_time(
            None, datetime.now(UTC)
        )
    if list(job.args) != args:
        changes["args"] = args
    for key, value in options.items():
        if getattr(job, key) != value:
            changes[key] = value
    if changes:
        scheduler.modify_job(JOB_ID, jobstore="default", **changes)
        logger.info("updated %s (%s), next run kept at %s", JOB_ID, ", ".join(changes),
                    job.next_run_time)
    else:
        logger.info("kept %s, next run %s", JOB_ID, job.next_run_time)


def _on_event(event: SchedulerEvent) -> None:
    if event.code == EVENT_JOB_MISSED:
        logger.warning("job %s missed its run at %s (beyond the misfire grace)",
                       event.job_id, event.scheduled_run_time)
    elif event.code == EVENT_JOB_MAX_INSTANCES:
        logger.warning("job %s is still running; the run due at %s is not started twice",
                       event.job_id, event.scheduled_run_times)
    elif event.code == EVENT_JOB_ERROR and isinstance(event, JobExecutionEvent):
        logger.error("job %s raised %r", event.job_id, event.exception)


def run_scheduler(db: Path, config: Config) -> None:
    """Block serving the schedule until SIGTERM/SIGINT. Raises LockBusy for a second scheduler."""
    global _watching_since
    lock = ProcessLock(scheduler_lock_path(db)).acquire()
    try:
        _watching_since = datetime.now(UTC)
        with connection(db) as con:
            init_db(con)
        try:
            with ProcessLock(crawl_lock_path(db)):
                mark_interrupted_runs(db, "interrupted: found running at scheduler start")
        except LockBusy as busy:  # a --run-now crawl is going: its run is alive
            logger.info("not touching running crawl runs: %s", busy)
        scheduler = create_scheduler(db, config)
        config_arg = str(config.source) if config.source else None

        setup_error: list[BaseException] = []

        def on_started(_event: SchedulerEvent) -> None:
            # Job stores are open now but no job has been processed: safe to inspect the job.
            # APScheduler swallows listener errors, so a failure here stops the scheduler.
            try:
                _setup_jobs()
            except Exception as exc:
                logger.exception("could not set up the crawl job")
                setup_error.append(exc)
                scheduler.shutdown(wait=False)

        def _setup_jobs() -> None:
            ensure_job(scheduler, db, config)
            scheduler.add_job(
                check_overdue, IntervalTrigger(minutes=config.schedule.overdue_check_minutes),
                id=OVERDUE_JOB_ID, args=[str(db.resolve()), config_arg], jobstore="memory",
                replace_existing=True,  # memory store: nothing persisted, nothing to lose
                next_run_time=datetime.now(UTC) + timedelta(seconds=30),
            )
            scheduler.resume()

        def stop(signum: int, _frame: object) -> None:
            logger.info("signal %d: stopping the scheduler and any crawl child", signum)
            kill_children()
            if scheduler.running:  # a second signal finds it stopped already
                scheduler.shutdown(wait=False)

        scheduler.add_listener(on_started, EVENT_SCHEDULER_STARTED)
        scheduler.add_listener(
            _on_event, EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES | EVENT_JOB_ERROR
        )
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        logger.info("scheduler pid %d serving %s (job store %s)", os.getpid(), db,
                    jobstore_path(db))
        scheduler.start(paused=True)
        if setup_error:
            raise setup_error[0]
    finally:
        lock.release()


# --- status -----------------------------------------------------------------------------------


def next_run_time(db: Path) -> datetime | None:
    """The crawl job's next run, read from the job store's table (no scheduler needed)."""
    path = jobstore_path(db)
    if not path.exists():
        return None
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
        try:
            row = con.execute(
                "SELECT next_run_time FROM apscheduler_jobs WHERE id = ?", [JOB_ID]
            ).fetchone()
        except sqlite3.OperationalError:
            return None
    if row is None or row[0] is None:
        return None
    return datetime.fromtimestamp(row[0], UTC)


def status(db: Path, config: Config) -> dict[str, Any]:
    """Next run, last run and its outcome, last good run, whether a scheduler or crawl is live."""
    info: dict[str, Any] = {
        "database": str(db),
        "scheduler_pid": lock_holder(scheduler_lock_path(db)),
        "crawl_running_pid": lock_holder(crawl_lock_path(db)),
        "job_store": str(jobstore_path(db)),
        "next_run": None,
        "last_run": None,
        "last_ok_run": None,
        "overdue": None,
    }
    nxt = next_run_time(db)
    info["next_run"] = nxt.isoformat() if nxt else None
    if not db.exists():
        return info
    with connection(db, read_only=True) as con:
        columns = ["run_id", "started_at", "finished_at", "status", "finish_reason",
                   "degraded_competitors", "monitors"]
        select = f"SELECT {', '.join(columns)} FROM crawl_runs "  # noqa: S608 - fixed names
        last = con.execute(select + "ORDER BY started_at DESC LIMIT 1").fetchone()
        last_ok = con.execute(
            select + "WHERE status = 'ok' ORDER BY started_at DESC LIMIT 1"
        ).fetchone()
        overdue = alerts.overdue_alert(con, config.alerts.overdue_hours)
    for key, row in (("last_run", last), ("last_ok_run", last_ok)):
        if row is not None:
            record = dict(zip(columns, row, strict=True))
            for name in ("started_at", "finished_at"):
                if record[name] is not None:
                    record[name] = record[name].isoformat()
            record["degraded_competitors"] = list(record["degraded_competitors"] or [])
            info[key] = record
    info["overdue"] = overdue.message if overdue else None
    return info


def wait_for(predicate: Any, timeout_s: float, interval_s: float = 0.1) -> bool:
    """Poll `predicate` until true or `timeout_s` passes (used by status and the tests)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval_s)
    return bool(predicate())
