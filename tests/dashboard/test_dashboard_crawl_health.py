"""Crawl health view: runs, failures, pages, and the 36-hour alarm."""

from __future__ import annotations

import re
from pathlib import Path

from tests.dashboard.seed import build_db


def test_runs_failures_and_no_alarm_when_fresh(seeded_db: Path, open_page) -> None:
    at = open_page("crawl_health")
    # The seeded last run started 2 h ago and finished 3 min later.
    hours = float(re.search(r"finished ([\d.]+) hours ago", at.success[0].value).group(1))
    assert 1.9 <= hours <= 2.0
    assert not at.error
    runs, failures, pages = (df.value for df in at.dataframe)
    assert list(runs["run_id"]) == ["run-3", "run-2", "run-1"]
    assert list(runs["status"]) == ["ok", "degraded", "ok"]
    assert runs.loc[runs["run_id"] == "run-2", "degraded_competitors"].item() == "signpost"
    signpost = failures[failures["competitor_id"] == "signpost"]
    assert signpost["failed_fetches"].item() == 1
    assert "503" in signpost["last_error"].item()
    # Price changes in run 3 kept a second page version for PATLive and Ruby only.
    versions = dict(zip(pages["competitor_id"], pages["page_versions"], strict=True))
    assert versions["patlive"] == 2 and versions["ruby"] == 2 and versions["map"] == 1


def test_alarm_when_last_good_crawl_older_than_36_hours(
    tmp_path: Path, monkeypatch, open_page
) -> None:
    path = build_db(tmp_path / "old.duckdb", run_hours_ago=(90.0, 60.0, 40.0))
    monkeypatch.setenv("RATEBENCH_DB", str(path))
    at = open_page("crawl_health")
    assert len(at.error) == 1
    assert "ALARM" in at.error[0].value and "36 h" in at.error[0].value
    hours = float(re.search(r"finished ([\d.]+) hours ago", at.error[0].value).group(1))
    assert 39.9 <= hours <= 40.0


def test_empty_and_missing_database_explain_how_to_fill(empty_db: Path, open_page) -> None:
    at = open_page("crawl_health")
    assert "empty" in at.info[0].value
    assert "make demo" in at.code[0].value and "ratebench crawl" in at.code[0].value
    assert not at.dataframe


def test_missing_database(missing_db: Path, open_page) -> None:
    at = open_page("crawl_health")
    assert "No database yet" in at.info[0].value
    assert str(missing_db) in at.code[0].value


def test_a_page_robots_txt_refused_is_counted_as_skipped_not_failed(
    seeded_db: Path, open_page
) -> None:
    import duckdb

    con = duckdb.connect(str(seeded_db))
    try:
        con.execute(
            "INSERT INTO fetches (run_id, competitor_id, url, fetched_at, ok, error, skipped) "
            "SELECT 'run-3', 'map', 'https://www.mapcommunications.com/private/', "
            "max(fetched_at), false, 'refused by robots.txt', true FROM fetches"
        )
    finally:
        con.close()
    at = open_page("crawl_health")
    failures = at.dataframe[1].value
    mapcomm = failures[failures["competitor_id"] == "map"]
    assert mapcomm["failed_fetches"].item() == 0
    assert mapcomm["skipped_fetches"].item() == 1
    assert mapcomm["last_error"].item() == "refused by robots.txt"
    signpost = failures[failures["competitor_id"] == "signpost"]
    assert (signpost["failed_fetches"].item(), signpost["skipped_fetches"].item()) == (1, 0)
