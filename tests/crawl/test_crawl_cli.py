"""The crawl's command lines: scrapy list/check/crawl, ratebench crawl verdicts, db init/info."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from tests.crawl.conftest import (
    FAST,
    FIXTURE_PAGE,
    REPO,
    Route,
    Site,
    crawl,
    query,
    run_ratebench,
    write_registry,
)

SCRAPY = str(Path(sys.executable).with_name("scrapy"))
PAGE = FIXTURE_PAGE.read_bytes()


def _scrapy(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "RATEBENCH_DB"}
    return subprocess.run(
        [SCRAPY, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


def test_scrapy_list_and_check() -> None:
    listed = _scrapy("list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split() == ["rates"]
    checked = _scrapy("check", "rates")
    assert checked.returncode == 0, checked.stderr
    assert "OK" in checked.stderr and "Ran 3 contracts" in checked.stderr


def test_scrapy_crawl_with_mirror_argument(site: Site, tmp_path: Path) -> None:
    site.page("/www.ruby.com/pricing/", PAGE)
    db = tmp_path / "scrapy.duckdb"
    args = ["-a", f"mirror={site.url}", "-a", "competitors=ruby", "-a", f"db={db}"]
    settings = [s for s in FAST if s != "-s"]
    result = _scrapy("crawl", "rates", *args, *[x for s in settings for x in ("-s", s)])
    assert result.returncode == 0, result.stderr[-3000:]
    assert site.hits("/www.ruby.com/pricing/") == 1
    rows = query(db, "SELECT url, price FROM observations ORDER BY price")
    assert [(u, str(p)) for u, p in rows] == [
        ("https://www.ruby.com/pricing/", "250.0000"),
        ("https://www.ruby.com/pricing/", "395.0000"),
    ]
    assert query(db, "SELECT status FROM crawl_runs") == [("ok",)]


def test_ok_run_exits_zero_and_rerun_of_a_run_id_replaces_it(site: Site, tmp_path: Path) -> None:
    site.page("/good.example.com/pricing/", PAGE)
    registry = write_registry(tmp_path / "r.toml", {"good": ["https://good.example.com/pricing/"]})
    db = tmp_path / "ok.duckdb"
    for _ in range(2):
        result = crawl(site, db, registry, "--run-id", "fixed-run", "-q")
        assert result.returncode == 0, result.stderr[-3000:]
        assert result.stdout.startswith("run fixed-run: ok (finished)")
    assert query(db, "SELECT count(*) FROM crawl_runs") == [(1,)]
    assert query(db, "SELECT count(*) FROM fetches") == [(1,)]
    assert query(db, "SELECT count(*) FROM observations") == [(2,)]
    assert query(db, "SELECT count(*) FROM pages") == [(1,)]


def test_run_with_no_good_fetch_is_failed(site: Site, tmp_path: Path) -> None:
    site.page("/down.example.com/pricing/", b"<h1>down</h1>", status=503)
    registry = write_registry(tmp_path / "r.toml", {"down": ["https://down.example.com/pricing/"]})
    db = tmp_path / "failed.duckdb"
    result = crawl(site, db, registry, "-q")
    assert result.returncode == 1
    assert ": failed (finished)" in result.stdout
    assert "down https://down.example.com/pricing/: HTTP 503" in result.stdout
    assert query(db, "SELECT status, pages_ok, pages_failed, plans FROM crawl_runs") == [
        ("failed", 0, 1, 0)
    ]
    assert query(db, "SELECT count(*) FROM observations") == [(0,)]


def test_unknown_competitor_and_bad_time_are_user_errors(tmp_path: Path) -> None:
    db = tmp_path / "never.duckdb"
    bad = run_ratebench("crawl", "--competitor", "ruby", "--competitor", "nope", "--db", str(db))
    assert bad.returncode == 2
    lines = bad.stderr.strip().splitlines()
    assert len(lines) == 1 and "'nope'" in lines[0] and lines[0].startswith("ratebench crawl:")
    when = run_ratebench("crawl", "--fetched-at", "last tuesday", "--db", str(db))
    assert when.returncode == 2 and "'last tuesday'" in when.stderr
    assert not db.exists()


def test_killed_run_is_marked_failed_at_next_start(site: Site, tmp_path: Path) -> None:
    site.routes["/slow.example.com/pricing/"] = Route(body=PAGE, delay=30)
    site.page("/good.example.com/pricing/", PAGE)
    registry = write_registry(
        tmp_path / "r.toml",
        {"slow": ["https://slow.example.com/pricing/"], "good": ["https://good.example.com/pricing/"]},
    )
    db = tmp_path / "killed.duckdb"
    env = {k: v for k, v in os.environ.items() if k != "RATEBENCH_DB"}
    child = subprocess.Popen(
        [sys.executable, "-m", "ratebench", "crawl", "--mirror", site.url, "--db", str(db),
         "--registry", str(registry), "--competitor", "slow", "--run-id", "doomed", "-q",
         *FAST, "-s", "DOWNLOAD_TIMEOUT=60"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and site.hits("/slow.example.com/pricing/") == 0:
            time.sleep(0.1)
        assert site.hits("/slow.example.com/pricing/") == 1, "the crawl never reached the page"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    assert query(db, "SELECT status FROM crawl_runs WHERE run_id = 'doomed'") == [("running",)]
    after = crawl(site, db, registry, "--competitor", "good", "-q")
    assert after.returncode == 0, after.stderr[-3000:]
    assert query(
        db, "SELECT status, finish_reason FROM crawl_runs WHERE run_id = 'doomed'"
    ) == [("failed", "interrupted")]
    assert query(db, "SELECT count(*) FROM fetches WHERE run_id = 'doomed'") == [(0,)]


def test_db_init_and_info(site: Site, tmp_path: Path) -> None:
    db = tmp_path / "info.duckdb"
    init = run_ratebench("db", "init", "--db", str(db))
    assert init.returncode == 0 and "schema ready" in init.stdout
    con = duckdb.connect(str(db), read_only=True)
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    con.close()
    assert {"competitors", "crawl_runs", "fetches", "pages", "observations", "rejects"} <= tables
    site.page("/good.example.com/pricing/", PAGE)
    registry = write_registry(tmp_path / "r.toml", {"good": ["https://good.example.com/pricing/"]})
    assert crawl(site, db, registry, "-q").returncode == 0
    info = run_ratebench("db", "info", "--db", str(db))
    assert info.returncode == 0, info.stderr
    assert re.search(r"^\s+observations\s+2 rows$", info.stdout, re.MULTILINE), info.stdout
    assert "pages kept: 1" in info.stdout
    assert " ok " in info.stdout and "pages 1 ok / 0 failed / 0 skipped, plans 2" in info.stdout
    missing = run_ratebench("db", "info", "--db", str(tmp_path / "absent.duckdb"))
    assert missing.returncode == 2 and "absent.duckdb" in missing.stderr
