"""Fixtures for the schedule tests: loopback webhook and SMTP receivers, a seeded store."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from benchmark.store import connection, init_db
from tests.schedule.faultmirror import FaultMirror


class WebhookReceiver:
    """A real HTTP server on 127.0.0.1 that records every JSON body POSTed to it."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length", 0))
                receiver.bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def alerts(self) -> list[dict]:
        return [a for body in self.bodies for a in body["alerts"]]


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    receiver.thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


class MailSink:
    """aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], str]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        self.messages.append(
            (envelope.mail_from, list(envelope.rcpt_tos), envelope.content.decode("utf-8"))
        )
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp() -> Iterator[tuple[MailSink, int]]:
    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield sink, controller.port
    finally:
        controller.stop()


def add_run(db: Path, run_id: str, started: datetime, status: str, plans: list[tuple]) -> None:
    """Write one crawl run and its observations (competitor, plan, price, currency, unit)."""
    with connection(db) as con:
        init_db(con)
        con.execute(
            "INSERT INTO crawl_runs (run_id, started_at, finished_at, status, finish_reason) "
            "VALUES (?, ?, ?, ?, 'finished')",
            [run_id, started, started + timedelta(minutes=5), status],
        )
        for competitor in sorted({p[0] for p in plans}):
            con.execute(
                "INSERT INTO fetches (run_id, competitor_id, url, status, fetched_at, "
                "content_hash, ok, plans_found) VALUES (?, ?, ?, 200, ?, ?, true, 1)",
                [run_id, competitor, f"https://{competitor}.example/pricing",
                 started + timedelta(minutes=1), "h-" + run_id],
            )
        for competitor, plan, price, currency, unit in plans:
            con.execute(
                "INSERT INTO observations (run_id, competitor_id, url, fetched_at, content_hash,"
                " plan_name, price, currency, unit, evidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [run_id, competitor, f"https://{competitor}.example/pricing",
                 started + timedelta(minutes=1), "h-" + run_id, plan, Decimal(price), currency,
                 unit, f"{plan} ${price}/mo"],
            )


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC)


# --- real processes: mirror, crawl child, scheduler --------------------------------------------



COMPETITORS = ("ruby", "patlive", "posh")
HOSTS = {"ruby": "www.ruby.com", "patlive": "www.patlive.com", "posh": "www.posh.com"}


@pytest.fixture
def mirror() -> Iterator[FaultMirror]:
    server = FaultMirror().start()
    yield server
    try:
        server.stop()
    except OSError:
        pass


def write_config(tmp_path: Path, mirror_url: str, schedule: str = "", alerts: str = "",
                 crawl: str = "") -> Path:
    """A ratebench.toml for a quick crawl of three competitors over the loopback mirror."""
    path = tmp_path / "ratebench.toml"
    competitors = ", ".join(f'"{c}"' for c in COMPETITORS)
    path.write_text(
        f'[schedule]\nmirror = "{mirror_url}"\ncompetitors = [{competitors}]\n{schedule}\n'
        "[schedule.crawl_settings]\nDOWNLOAD_DELAY = 0\nAUTOTHROTTLE_ENABLED = false\n"
        f"RETRY_BACKOFF_BASE = 0.05\nLOG_LEVEL = \"INFO\"\n{crawl}\n"
        f"[alerts]\n{alerts}\n"
    )
    return path


def ratebench(*args: str, env: dict[str, str] | None = None, timeout: float = 60
              ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ratebench", *args], capture_output=True, text=True,
        timeout=timeout, env={**os.environ, **(env or {})},
    )


def start_scheduler(db: Path, config: Path, log: Path, env: dict[str, str] | None = None
                    ) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "ratebench", "schedule", "--db", str(db), "--config",
             str(config)],
            stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def runs(db: Path) -> list[dict]:
    """Every crawl run, oldest first, read with a short read-only connection."""
    if not db.exists():
        return []
    with connection(db, read_only=True) as con:
        cursor = con.execute(
            "SELECT run_id, status, started_at, finished_at, finish_reason, stats, monitors, "
            "degraded_competitors FROM crawl_runs ORDER BY started_at"
        )
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    for row in rows:
        row["stats"] = json.loads(row["stats"]) if row["stats"] else {}
        row["monitors"] = json.loads(row["monitors"]) if row["monitors"] else {}
    return rows


def count(db: Path, sql: str, params: list | None = None) -> int:
    with connection(db, read_only=True) as con:
        return con.execute(sql, params or []).fetchone()[0]


@pytest.fixture(scope="module")
def good_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One good crawl (through --run-now), made once per test file and copied by each test."""
    folder = tmp_path_factory.mktemp("good")
    server = FaultMirror().start()
    try:
        db = folder / "good.duckdb"
        config = write_config(folder, server.url)
        result = ratebench("schedule", "--run-now", "--db", str(db), "--config", str(config))
        assert result.returncode == 0, result.stderr[-2000:]
    finally:
        server.stop()
    return db


@pytest.fixture
def seeded_db(tmp_path: Path, good_db: Path) -> Path:
    """A private copy of the store after one good run."""
    import shutil

    db = tmp_path / "store.duckdb"
    shutil.copyfile(good_db, db)
    return db
