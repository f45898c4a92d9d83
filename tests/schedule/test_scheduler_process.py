"""The scheduler as a real process: missed nights, coalescing, one crawl at a time, one scheduler.

Time is compressed through the config and the job store: a cron trigger whose missed runs are
made by moving the persisted job's next_run_time into the past (with APScheduler's own API, as
a scheduler that was down would have left it), and `interval_seconds` for back-to-back due runs.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler

from ratebench.scheduler import JOB_ID, jobstore_path, next_run_time, wait_for
from tests.schedule.conftest import HOSTS, ratebench, runs, start_scheduler, stop, write_config

pytestmark = pytest.mark.slow


def move_next_run(db: Path, when: datetime) -> None:
    """Rewrite the persisted job's next run, as if the scheduler had been down since `when`.

    Only the job store is opened (no scheduler runs here, so nothing consumes the due run).
    """
    store = SQLAlchemyJobStore(url=f"sqlite:///{jobstore_path(db)}")
    store.start(BlockingScheduler(), "default")
    try:
        job = store.lookup_job(JOB_ID)
        assert job is not None
        job.next_run_time = when
        store.update_job(job)
    finally:
        store.shutdown()


def test_missed_nights_run_once_on_restart_and_second_scheduler_refuses(
    tmp_path: Path, seeded_db: Path, mirror
) -> None:
    db = seeded_db
    config = write_config(
        tmp_path, mirror.url,
        schedule='cron = "0 3 * * *"\ntimezone = "UTC"\nmisfire_grace_hours = 72',
    )
    log = tmp_path / "scheduler.log"
    first = start_scheduler(db, config, log)
    try:
        assert wait_for(lambda: next_run_time(db) is not None, 15), log.read_text()
    finally:
        stop(first)
    assert len(runs(db)) == 1  # the seeded run only: 03:00 was not due

    # Down for three nights: the last run it knew of was due 50 h ago (3 fire times missed).
    move_next_run(db, datetime.now(UTC) - timedelta(hours=50))
    second = start_scheduler(db, config, log)
    try:
        assert wait_for(lambda: len(runs(db)) == 2 and runs(db)[-1]["status"] != "running", 30), \
            log.read_text()[-3000:]
        rival = ratebench("schedule", "--db", str(db), "--config", str(config), timeout=20)
        assert rival.returncode == 2
        assert f"another scheduler already serves {db} (pid {second.pid}" in rival.stderr
        status = json.loads(ratebench("schedule", "status", "--db", str(db), "--json").stdout)
        assert status["scheduler_pid"] == second.pid
    finally:
        stop(second)
    text = log.read_text()
    assert len(runs(db)) == 2, "the missed nights coalesce into one run"
    assert runs(db)[-1]["status"] == "ok"
    assert text.count('Running job "nightly crawl') == 1
    upcoming = next_run_time(db)
    assert upcoming is not None and upcoming > datetime.now(UTC)
    assert (upcoming.hour, upcoming.minute) == (3, 0)
    assert "kept nightly-crawl" in text  # the restart kept the job instead of replacing it


def test_a_run_still_going_is_not_started_twice(tmp_path: Path, seeded_db: Path, mirror) -> None:
    db = seeded_db
    config = write_config(tmp_path, mirror.url, schedule="interval_seconds = 1",
                          crawl="DOWNLOAD_TIMEOUT = 15")
    mirror.host_modes[HOSTS["ruby"]] = "slow:3"  # each crawl outlasts several due times
    log = tmp_path / "scheduler.log"
    scheduler = start_scheduler(db, config, log)
    try:
        assert wait_for(lambda: any(r["status"] == "running" for r in runs(db)), 20), \
            log.read_text()[-3000:]
        # A manual run while the scheduled one is going is refused by the crawl lock.
        manual = ratebench("schedule", "--run-now", "--db", str(db), "--config", str(config))
        assert manual.returncode == 1
        assert json.loads(manual.stdout.splitlines()[-1])["status"] == "skipped"
        assert "a crawl is already running" in manual.stderr
        assert wait_for(lambda: len(runs(db)) >= 2 and runs(db)[1]["status"] != "running", 30)
    finally:
        stop(scheduler)
    text = log.read_text()
    assert "is still running; the run due at" in text  # APScheduler's max_instances = 1
    finished = [r for r in runs(db) if r["finished_at"] is not None]
    for earlier, later in zip(finished, finished[1:], strict=False):
        assert later["started_at"] >= earlier["finished_at"], "two crawls overlapped"
