"""Real crawls over loopback: faults, redirects, robots.txt, evidence, and run verdicts."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from benchmark.sqlfiles import load_sql
from tests.crawl.conftest import (
    FIXTURE_PAGE,
    Route,
    Site,
    crawl,
    query,
    serve_site,
    write_registry,
)

PAGE = FIXTURE_PAGE.read_bytes()
PAGE_HASH = hashlib.sha256(PAGE).hexdigest()
ROBOTS = b"User-agent: *\nDisallow: /robots.example.com/private/\n"
NOISE = b"<html><body><p>\xc3\xa9\x00\x01 rated 4.8 by 12,000 customers since 1999</p></body></html>"
COMPETITORS = {
    "good": ["https://good.example.com/pricing/"],
    "flaky": ["https://flaky.example.com/pricing/"],
    "redir": ["https://redir.example.com/pricing/"],
    "absredir": ["https://absredir.example.com/pricing/"],
    "robots": ["https://robots.example.com/private/pricing/"],
    "slow": ["https://slow.example.com/pricing/"],
    "garbage": ["https://garbage.example.com/pricing.bin"],
    "noise": ["https://noise.example.com/pricing/"],
    "empty": ["https://empty.example.com/pricing/"],
    "loop": ["https://loop.example.com/a/"],
}


@dataclass
class TwoRuns:
    site: Site
    db: Path
    first: object
    second: object
    run_ids: list[str]


def _routes(site: Site) -> None:
    site.routes.update(
        {
            "/robots.txt": Route(body=ROBOTS, content_type="text/plain"),
            "/good.example.com/pricing/": Route(body=PAGE),
            "/flaky.example.com/pricing/": Route(body=PAGE),
            "/redir.example.com/pricing/": Route(status=301, location="/redir.example.com/plans/"),
            "/redir.example.com/plans/": Route(body=PAGE),
            # An absolute redirect to a real host must still be fetched from the mirror.
            "/absredir.example.com/pricing/": Route(
                status=302, location="https://absredir.example.com/new-pricing/"
            ),
            "/absredir.example.com/new-pricing/": Route(body=PAGE),
            "/robots.example.com/private/pricing/": Route(body=PAGE),
            "/slow.example.com/pricing/": Route(body=PAGE, delay=7),
            "/garbage.example.com/pricing.bin": Route(
                body=bytes(range(256)) * 4, content_type="application/octet-stream"
            ),
            "/noise.example.com/pricing/": Route(body=NOISE),
            "/empty.example.com/pricing/": Route(body=b""),
            "/loop.example.com/a/": Route(status=302, location="/loop.example.com/b/"),
            "/loop.example.com/b/": Route(status=302, location="/loop.example.com/a/"),
        }
    )


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwoRuns]:
    """Two crawls of the same faulty site; between them, flaky's page starts answering 500."""
    tmp = tmp_path_factory.mktemp("faults")
    db = tmp / "crawl.duckdb"
    registry = write_registry(tmp / "registry.toml", COMPETITORS)
    with serve_site() as site:
        _routes(site)
        first = crawl(site, db, registry, "-s", "DOWNLOAD_TIMEOUT=3")
        site.routes["/flaky.example.com/pricing/"] = Route(status=500, body=b"<h1>oops</h1>")
        second = crawl(site, db, registry, "-s", "DOWNLOAD_TIMEOUT=3")
        run_ids = [r[0] for r in query(db, "SELECT run_id FROM crawl_runs ORDER BY started_at")]
        yield TwoRuns(site, db, first, second, run_ids)


def fetch(runs: TwoRuns, competitor: str, run: int = 0) -> dict[str, object]:
    rows = query(
        runs.db,
        "SELECT url, final_url, status, ok, error, content_hash, plans_found, warnings "
        "FROM fetches WHERE run_id = ? AND competitor_id = ?",
        [runs.run_ids[run], competitor],
    )
    assert len(rows) == 1, rows
    keys = ("url", "final_url", "status", "ok", "error", "content_hash", "plans_found", "warnings")
    return dict(zip(keys, rows[0], strict=True))


def test_runs_are_degraded_and_exit_one(two_runs: TwoRuns) -> None:
    assert two_runs.first.returncode == 1, two_runs.first.stderr
    assert two_runs.second.returncode == 1, two_runs.second.stderr
    assert "degraded" in two_runs.first.stdout
    rows = query(
        two_runs.db,
        "SELECT status, finish_reason, pages_ok, pages_failed, plans, degraded_competitors "
        "FROM crawl_runs ORDER BY started_at",
    )
    assert len(rows) == 2
    (s1, r1, ok1, failed1, plans1, degraded1), (s2, r2, ok2, failed2, plans2, degraded2) = rows
    assert (s1, r1, s2, r2) == ("degraded", "finished", "degraded", "finished")
    # good, flaky, redir, absredir, noise fetched fine in run 1; flaky fails in run 2. The
    # robots-refused page is skipped by policy: neither a failure nor a degraded competitor.
    assert (ok1, failed1) == (5, 4)
    assert (ok2, failed2) == (4, 5)
    assert plans1 == 8 and plans2 == 6
    assert set(degraded1) == {"slow", "garbage", "noise", "empty", "loop"}
    assert set(degraded2) == set(degraded1) | {"flaky"}


def test_good_page_observations_match_the_page(two_runs: TwoRuns) -> None:
    rows = query(
        two_runs.db,
        "SELECT price, currency, unit, included_minutes, evidence, content_hash, url, final_url "
        "FROM observations WHERE run_id = ? AND competitor_id = 'good' ORDER BY price",
        [two_runs.run_ids[0]],
    )
    assert [(str(r[0]), r[1], r[2], r[3]) for r in rows] == [
        ("250.0000", "USD", "month", 50),
        ("395.0000", "USD", "month", 100),
    ]
    assert [r[4] for r in rows] == ["$250/month", "$395/month"]
    assert {r[5] for r in rows} == {PAGE_HASH}
    assert {(r[6], r[7]) for r in rows} == {
        ("https://good.example.com/pricing/", "https://good.example.com/pricing/")
    }


def test_pages_are_stored_once_per_hash_and_decompress_to_the_body(two_runs: TwoRuns) -> None:
    # The same page came from 4 URLs in each of 2 runs: one pages row.
    assert query(
        two_runs.db, "SELECT count(*) FROM fetches WHERE content_hash = ?", [PAGE_HASH]
    ) == [(7,)]
    [(count, body, size)] = query(
        two_runs.db,
        "SELECT count(*) OVER (), body_gzip, size_bytes FROM pages WHERE content_hash = ?",
        [PAGE_HASH],
    )
    assert count == 1 and size == len(PAGE) and gzip.decompress(body) == PAGE
    [(pages, hashes)] = query(
        two_runs.db,
        "SELECT (SELECT count(*) FROM pages), "
        "(SELECT count(DISTINCT content_hash) FROM fetches WHERE content_hash IS NOT NULL)",
    )
    assert pages == hashes


def test_redirects_record_real_url_and_mapped_final_url(two_runs: TwoRuns) -> None:
    redir = fetch(two_runs, "redir")
    assert redir["url"] == "https://redir.example.com/pricing/"
    assert redir["final_url"] == "https://redir.example.com/plans/"
    assert redir["ok"] and redir["plans_found"] == 2
    absolute = fetch(two_runs, "absredir")
    assert absolute["final_url"] == "https://absredir.example.com/new-pricing/"
    assert absolute["ok"]
    assert two_runs.site.hits("/absredir.example.com/new-pricing/") == 2
    loop = fetch(two_runs, "loop")
    assert not loop["ok"] and "redirect loop" in loop["error"]


def test_robots_disallowed_url_is_skipped_never_fetched_and_not_a_failure(
    two_runs: TwoRuns,
) -> None:
    robots = fetch(two_runs, "robots")
    # Recorded as a fetch that brought nothing (so it can never be a price change) ...
    assert robots["ok"] is False
    assert robots["error"] == "refused by robots.txt"
    assert robots["url"] == "https://robots.example.com/private/pricing/"
    assert two_runs.site.hits("/robots.example.com/private/pricing/") == 0
    assert two_runs.site.hits("/robots.txt") >= 1
    # ... reported as skipped, not as an error of the run.
    assert "skipped: robots https://robots.example.com/private/pricing/: refused by robots.txt" in (
        two_runs.first.stdout
    )
    assert ", 1 skipped," in two_runs.first.stdout.splitlines()[0]
    [(errors, stats)] = query(
        two_runs.db, "SELECT errors, stats FROM crawl_runs WHERE run_id = ?", [two_runs.run_ids[0]]
    )
    assert not any("robots" in error for error in errors)
    assert json.loads(stats)["ratebench/fetches_skipped"] == 1
    assert query(
        two_runs.db,
        "SELECT count(*) FILTER (WHERE skipped), count(*) FILTER (WHERE NOT ok AND NOT skipped) "
        "FROM fetches WHERE run_id = ?", [two_runs.run_ids[0]],
    ) == [(1, 4)]
    assert query(
        two_runs.db, "SELECT pages_skipped, pages_failed FROM crawl_runs ORDER BY started_at"
    ) == [(1, 4), (1, 5)]


def test_500_fails_the_fetch_and_keeps_previous_observations(two_runs: TwoRuns) -> None:
    second = fetch(two_runs, "flaky", run=1)
    assert (second["status"], second["ok"], second["error"]) == (500, False, "HTTP 500")
    first_run, second_run = two_runs.run_ids
    counts = dict(
        query(
            two_runs.db,
            "SELECT run_id, count(*) FROM observations WHERE competitor_id = 'flaky' GROUP BY 1",
        )
    )
    assert counts == {first_run: 2}
    # Retried once (RETRY_TIMES=1) in run 2, fetched once in run 1.
    assert two_runs.site.hits("/flaky.example.com/pricing/") == 3
    assert "flaky https://flaky.example.com/pricing/: HTTP 500" in two_runs.second.stdout


def test_each_fault_says_what_happened(two_runs: TwoRuns) -> None:
    slow = fetch(two_runs, "slow")
    assert not slow["ok"] and slow["error"].startswith("timeout"), slow
    garbage = fetch(two_runs, "garbage")
    assert not garbage["ok"] and "not a text page" in garbage["error"], garbage
    empty = fetch(two_runs, "empty")
    assert (empty["status"], empty["ok"], empty["error"]) == (200, False, "empty body")
    noise = fetch(two_runs, "noise")
    assert noise["ok"] and noise["plans_found"] == 0
    assert "no plans found on the page" in noise["warnings"]
    [(errors,)] = query(
        two_runs.db, "SELECT errors FROM crawl_runs WHERE run_id = ?", [two_runs.run_ids[0]]
    )
    text = "\n".join(errors)
    for competitor in ("slow", "garbage", "empty", "loop", "noise"):
        assert competitor in text
    assert query(
        two_runs.db,
        "SELECT count(*) FROM observations WHERE competitor_id IN "
        "('robots', 'slow', 'garbage', 'noise', 'empty', 'loop')",
    ) == [(0,)]


@pytest.mark.parametrize(
    "check",
    [
        "observations_from_failed_fetches",
        "observations_without_page",
        "fetches_without_page",
        "duplicate_observations",
        "observations_bad_values",
    ],
)
def test_store_checks_find_nothing(two_runs: TwoRuns, check: str) -> None:
    assert query(two_runs.db, "SELECT count(*) FROM observations") != [(0,)]
    assert query(two_runs.db, load_sql(f"checks/{check}")) == []
