"""Faults around one crawl, through `ratebench schedule --run-now` (the scheduled job's path).

Each test runs real processes: the crawl child, a loopback mirror that misbehaves on demand,
and loopback webhook/SMTP receivers.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from functools import partial
from pathlib import Path

import pytest

from benchmark.store import connection
from tests.schedule.conftest import HOSTS, count, ratebench, runs, write_config
from tests.schedule.faultmirror import SNAPSHOTS, FaultMirror

pytestmark = pytest.mark.slow


def run_now(db: Path, config: Path, env: dict[str, str] | None = None
            ) -> tuple[int, dict]:
    result = ratebench("schedule", "--run-now", "--db", str(db), "--config", str(config), env=env)
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    return result.returncode, outcome


def test_good_then_degraded_crawl_keeps_data_and_alerts(
    tmp_path: Path, seeded_db: Path, mirror, webhook, smtp
) -> None:
    sink, port = smtp
    db = seeded_db
    config = write_config(
        tmp_path, mirror.url,
        alerts=f'[alerts.email]\nsmtp_host = "127.0.0.1"\nsmtp_port = {port}\nto = ["ops@x.test"]',
    )
    env = {"RATEBENCH_WEBHOOK_URL": webhook.url}
    plans_before = count(db, "SELECT count(*) FROM observations")
    assert plans_before >= 10
    [run] = runs(db)
    assert run["status"] == "ok"
    assert set(run["monitors"]) >= {
        "plans per competitor/no competitor lost more than half of its plans",
        "field coverage/plan fields are filled",
        "http errors/no pricing page failed",
        "finish reason/spider finished",
    }
    assert run["monitors"]["finish reason/spider finished"]["status"] == "passed"

    mirror.host_modes[HOSTS["patlive"]] = "thin"  # the page loses its pricing table
    code, second = run_now(db, config, env)
    assert (code, second["status"]) == (1, "degraded"), second
    last = runs(db)[-1]
    assert last["degraded_competitors"] == ["patlive"]
    drop = last["monitors"]["plans per competitor/no competitor lost more than half of its plans"]
    assert drop["status"] == "failed" and "patlive 6 -> 0" in drop["message"]
    # The earlier run's observations are intact; status shows the last run and the last good one.
    assert count(db, "SELECT count(*) FROM observations WHERE run_id = ?", [run["run_id"]]) \
        == plans_before
    status = json.loads(ratebench("schedule", "status", "--db", str(db), "--json").stdout)
    assert status["last_run"]["status"] == "degraded"
    assert status["last_ok_run"]["run_id"] == run["run_id"]
    assert [a["kind"] for a in webhook.alerts()] == ["crawl_degraded"]
    assert "crawl_degraded" in sink.messages[0][2]


def test_mirror_down_fails_the_run_and_keeps_earlier_data(
    tmp_path: Path, seeded_db: Path, mirror, webhook
) -> None:
    db = seeded_db
    config = write_config(tmp_path, mirror.url, crawl="RETRY_TIMES = 1")
    before = count(db, "SELECT count(*) FROM observations")
    mirror.stop()
    code, outcome = run_now(db, config, {"RATEBENCH_WEBHOOK_URL": webhook.url})
    assert (code, outcome["status"]) == (1, "failed")
    last = runs(db)[-1]
    assert last["status"] == "failed"
    assert last["stats"].get("retry/count", 0) >= 3  # each page retried before giving up
    assert count(db, "SELECT count(*) FROM fetches WHERE run_id = ? AND NOT ok",
                 [last["run_id"]]) == 3
    assert count(db, "SELECT count(*) FROM observations") == before
    assert [a["kind"] for a in webhook.alerts()] == ["crawl_failed"]


def test_429_503_and_timeouts_degrade_with_retries_in_stats(tmp_path: Path, mirror) -> None:
    db = tmp_path / "store.duckdb"
    config = write_config(tmp_path, mirror.url, crawl="DOWNLOAD_TIMEOUT = 1\nRETRY_TIMES = 2")
    mirror.host_modes[HOSTS["patlive"]] = "status:503"
    mirror.host_modes[HOSTS["posh"]] = "status:429"
    code, outcome = run_now(db, config)
    assert (code, outcome["status"]) == (1, "degraded")
    run = runs(db)[-1]
    assert run["stats"]["retry/count"] == 4  # two retries for each of the two pages
    assert run["stats"]["retry/max_reached"] == 2
    assert mirror.hits[HOSTS["patlive"]] == 3 and mirror.hits[HOSTS["posh"]] == 3
    assert sorted(run["degraded_competitors"]) == ["patlive", "posh"]
    assert count(db, "SELECT count(*) FROM observations WHERE run_id = ?", [run["run_id"]]) > 0
    http = run["monitors"]["http errors/no pricing page failed"]
    assert http["status"] == "failed" and "2 of 3 pages failed" in http["message"]

    mirror.host_modes.clear()
    mirror.host_modes[HOSTS["ruby"]] = "slow:2"  # beyond DOWNLOAD_TIMEOUT = 1
    code, outcome = run_now(db, config)
    assert (code, outcome["status"]) == (1, "degraded")
    slow = runs(db)[-1]
    assert slow["degraded_competitors"] == ["ruby"]
    timeouts = {k: v for k, v in slow["stats"].items()
                if k.startswith("retry/reason_count/") and "Timeout" in k}
    assert sum(timeouts.values()) == 2, slow["stats"]  # both retries of ruby's page timed out
    with connection(db, read_only=True) as con:
        [error] = con.execute("SELECT error FROM fetches WHERE run_id = ? AND NOT ok",
                              [slow["run_id"]]).fetchone()
    assert error.startswith("timeout")


def test_crawl_over_its_time_limit_is_killed_and_failed(tmp_path: Path, mirror) -> None:
    db = tmp_path / "store.duckdb"
    config = write_config(tmp_path, mirror.url, schedule="crawl_timeout_minutes = 0.04\nkill_grace_seconds = 0.5",
                          crawl="DOWNLOAD_TIMEOUT = 30")
    mirror.mode = "slow:20"
    started = time.monotonic()
    code, outcome = run_now(db, config)
    assert time.monotonic() - started < 15
    assert (code, outcome["status"], outcome["timed_out"]) == (1, "failed", True)
    [run] = runs(db)
    assert run["run_id"] == outcome["run_id"]
    assert run["status"] == "failed" and run["finish_reason"].startswith("timeout: killed")


def _started_or_gone(db: Path, run_id: str, child: subprocess.Popen[bytes]) -> bool:
    return child.poll() is not None or any(r["run_id"] == run_id for r in runs(db))


def test_sigkilled_crawl_leaves_no_partial_batch_and_is_failed_next_start(
    tmp_path: Path, seeded_db: Path, mirror
) -> None:
    db = seeded_db
    config = write_config(tmp_path, mirror.url)
    good_rows = count(db, "SELECT count(*) FROM observations")
    # Kill crawl children at staggered moments: while fetching, and around the final write.
    from ratebench.config import load_config
    from ratebench.scheduler import crawl_argv, new_run_id, wait_for

    killed = []
    for delay in (0.0, 0.5):  # right after its start write, and later in the crawl
        run_id = new_run_id()
        child = subprocess.Popen(crawl_argv(db, load_config(config), run_id),
                                 start_new_session=True, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        wait_for(partial(_started_or_gone, db, run_id, child), 20, interval_s=0.05)
        time.sleep(delay)
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        killed.append(run_id)
    # The database opens; a killed run is absent (killed before its start write), has only its
    # run row (`running`, or `failed` by the next child's start), or is whole: never partial.
    by_id = {r["run_id"]: r for r in runs(db)}
    left_running = []
    for run_id in killed:
        fetches = count(db, "SELECT count(*) FROM fetches WHERE run_id = ?", [run_id])
        plans = count(db, "SELECT count(*) FROM observations WHERE run_id = ?", [run_id])
        status = by_id.get(run_id, {}).get("status")
        assert (status in (None, "running", "failed") and fetches == plans == 0) or (
            status in ("ok", "degraded") and fetches == 3 and plans > 0
        ), (run_id, status, fetches, plans)
        if status in ("running", "failed"):
            left_running.append(run_id)
    assert left_running, "no kill landed inside a crawl"
    assert count(db, "SELECT count(*) FROM observations WHERE run_id = ?",
                 [runs(db)[0]["run_id"]]) == good_rows

    code, _ = run_now(db, config)  # the next start marks them failed, then crawls
    assert code == 0
    after = {r["run_id"]: r for r in runs(db)}
    for run_id in left_running:
        assert after[run_id]["status"] == "failed"
        assert "interrupted" in after[run_id]["finish_reason"]


def test_reader_holding_the_database_while_the_crawl_writes(
    tmp_path: Path, seeded_db: Path, mirror
) -> None:
    db = seeded_db
    config = write_config(tmp_path, mirror.url)
    reads, errors = [], []
    done = threading.Event()

    def reader() -> None:
        # A dashboard-like reader: short read-only connections, opened and released repeatedly.
        while not done.is_set():
            try:
                with connection(db, read_only=True, timeout_s=20) as con:
                    reads.append(con.execute("SELECT count(*) FROM observations").fetchone()[0])
                    time.sleep(0.03)  # hold the lock a moment, like a page render
            except Exception as exc:  # noqa: BLE001 - the assertion reports it
                errors.append(repr(exc))
            time.sleep(0.01)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        code, outcome = run_now(db, config)
    finally:
        done.set()
        thread.join()
    assert (code, outcome["status"]) == (0, "ok"), outcome
    assert errors == []
    assert len(reads) > 10 and reads[0] <= reads[-1]
    assert reads[-1] == count(db, "SELECT count(*) FROM observations")
    assert sys.executable  # the crawl ran as a child of this interpreter's kind


def test_price_changes_of_a_scheduled_crawl_are_alerted(
    tmp_path: Path, seeded_db: Path, webhook
) -> None:
    # A month later the market changed (snapshot 2026-11-07): ruby Starter 250 -> 265 (+6 %),
    # Professional 395 -> 410 (+3.8 %), patlive "50 minutes" 99 -> 109 (+10.1 %).
    later = FaultMirror(SNAPSHOTS / "2026-11-07").start()
    try:
        config = write_config(tmp_path, later.url, alerts="price_change_threshold = 0.05")
        code, outcome = run_now(seeded_db, config, {"RATEBENCH_WEBHOOK_URL": webhook.url})
    finally:
        later.stop()
    assert (code, outcome["status"], outcome["rebuild"]) == (0, "ok", "ok"), outcome
    changes = sorted(
        (a["details"]["competitor_id"], a["details"]["plan_name"], a["details"]["old_price"],
         a["details"]["new_price"])
        for a in webhook.alerts() if a["kind"] == "price_change"
    )
    assert ("ruby", "Starter", "250.0000", "265.0000") in changes
    assert ("patlive", "50 minutes", "99.0000", "109.0000") in changes
    assert not any(c[1] == "Professional" for c in changes)  # +3.8 % is under the threshold
