"""`ratebench dashboard`: binds 127.0.0.1 by default, prints its address, passes --db on."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from ratebench.cli import main
from ratebench.commands.dashboard import streamlit_command


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_command_line_is_local_and_headless() -> None:
    argv = streamlit_command("127.0.0.1", 8600)
    assert argv[argv.index("--server.address") + 1] == "127.0.0.1"
    assert argv[argv.index("--server.port") + 1] == "8600"
    assert argv[argv.index("--server.headless") + 1] == "true"


def test_bad_port_is_a_user_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dashboard", "--port", "70000"]) == 2
    assert "--port 70000" in capsys.readouterr().err


def test_dashboard_starts_on_localhost_with_the_given_db(tmp_path: Path) -> None:
    from tests.dashboard.seed import build_db

    db = build_db(tmp_path / "cli.duckdb")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "RATEBENCH_DB"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ratebench", "dashboard", "--port", str(port), "--db", str(db)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=tmp_path,
        start_new_session=True,
    )
    try:
        first = proc.stdout.readline()
        assert f"http://127.0.0.1:{port}/" in first and str(db) in first
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/_stcore/health", timeout=2
                ) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
        # Bound to loopback only: the port is not open on another local address.
        listening = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True,
                                   text=True).stdout
        local = [line.split()[3] for line in listening.splitlines() if line.strip()]
        if local:  # `ss` present: every listening socket on this port is loopback
            assert all(addr.startswith("127.0.0.1:") for addr in local), local
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)


def test_a_database_an_older_version_wrote_is_brought_up_to_date(tmp_path: Path) -> None:
    import duckdb

    from dashboard.data import load_sql
    from ratebench.commands.dashboard import bring_schema_up_to_date
    from tests.dashboard.seed import build_db

    db = build_db(tmp_path / "old.duckdb")
    con = duckdb.connect(str(db))
    try:  # as a version before "skipped by policy" left it
        con.execute("ALTER TABLE fetches DROP COLUMN skipped")
        con.execute("ALTER TABLE crawl_runs DROP COLUMN pages_skipped")
        with pytest.raises(duckdb.BinderException):
            con.execute(load_sql("crawl_failures")).fetchall()
    finally:
        con.close()
    assert bring_schema_up_to_date(db) is None
    with duckdb.connect(str(db), read_only=True) as con:
        failures = con.execute(load_sql("crawl_failures")).fetchall()
        runs = con.execute(load_sql("crawl_runs"), {"limit": 5}).fetchall()
    assert failures and runs  # the seeded rows, read through the new columns
