"""Fixtures for the schedule tests: loopback webhook and SMTP receivers, a seeded store."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from benchmark.store import connection, init_db


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
