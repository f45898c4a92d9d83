"""The crawl's writer (benchmark/writer.py): rows through DuckDB's appender into a real file."""

from __future__ import annotations

import gzip
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from benchmark import writer
from benchmark.evidence import page_row

STARTED = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
FETCHED = datetime(2026, 11, 28, 2, 1, tzinfo=UTC)
BODY = b"<html><body><h2>Starter</h2><p>$59.99 a month</p></body></html>"


def competitor(cid: str) -> dict[str, Any]:
    return {"competitor_id": cid, "name": cid.title(), "website": f"https://{cid}.example",
            "country": "US", "currency": "USD", "delivery": "domestic",
            "service_type": "answering_service", "verticals": ["legal", "medical"],
            "pricing_urls": [f"https://{cid}.example/pricing"], "billing_increment_seconds": 60,
            "billing_notes": None, "render": "http"}  # fmt: skip


def observation(cid: str, price: Decimal | str, **extra: Any) -> dict[str, Any]:
    return {"competitor_id": cid, "url": f"https://{cid}.example/pricing", "final_url": None,
            "fetched_at": FETCHED, "content_hash": "h-" + cid, "plan_name": "Starter",
            "price": price, "currency": "USD", "unit": "month", "included_minutes": 100,
            "included_calls": None, "overage_per_minute": Decimal("1.25"),
            "overage_per_call": None, "setup_fee": None, "billing_increment_seconds": 60,
            "annual_price_per_month": None, "evidence": "$59.99 a month", **extra}  # fmt: skip


def batch(run_id: str, cid: str, price: Decimal | str) -> writer.RunBatch:
    fetch = {"competitor_id": cid, "url": f"https://{cid}.example/pricing", "final_url": None,
             "status": 200, "fetched_at": FETCHED, "content_hash": "h-" + cid, "ok": True,
             "error": None, "plans_found": 1, "warnings": ["a warning"], "skipped": False}  # fmt: skip
    reject = {"competitor_id": cid, "url": fetch["url"], "fetched_at": FETCHED,
              "content_hash": "h-" + cid, "plan_name": "Free", "reason": "price is zero",
              "plan": '{"price": "0"}'}  # fmt: skip
    return writer.RunBatch(
        run_id=run_id, finished_at=FETCHED, status="ok", finish_reason="finished",
        pages=[page_row("h-" + cid, BODY, FETCHED)], fetches=[fetch],
        observations=[observation(cid, price)], rejects=[reject],
    )


def run_python(script: str) -> subprocess.CompletedProcess[str]:
    """`script` in a fresh interpreter at the repository's root."""
    repo = Path(__file__).resolve().parents[2]
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, cwd=repo)  # fmt: skip


def start(db: Path, run_id: str, cid: str) -> None:
    writer.start_run(db, run_id=run_id, started_at=STARTED, mirror=None, competitor_ids=[cid],
                     competitors=[competitor(cid)])  # fmt: skip


def test_a_run_is_stored_whole(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    start(db, "run-1", "acme")
    writer.write_run(db, batch("run-1", "acme", Decimal("59.99")))
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT verticals, pricing_urls FROM competitors").fetchall() == [
            (["legal", "medical"], ["https://acme.example/pricing"])]
        assert con.execute("SELECT status, plans, rejects FROM crawl_runs").fetchall() == [
            ("ok", 1, 1)]
        assert con.execute("SELECT run_id, ok, warnings, skipped FROM fetches").fetchall() == [
            ("run-1", True, ["a warning"], False)]
        assert con.execute("SELECT run_id, price, overage_per_minute FROM observations"
                           ).fetchall() == [("run-1", Decimal("59.99"), Decimal("1.25"))]
        assert con.execute("SELECT run_id, reason, plan->>'price' FROM rejects").fetchall() == [
            ("run-1", "price is zero", "0")]
        (body,) = con.execute("SELECT body_gzip FROM pages").fetchone() or (None,)
    assert gzip.decompress(body) == BODY


def test_money_is_quantized_half_even_before_it_is_stored(tmp_path: Path) -> None:
    # A cast would round 0.00005 up (half away from zero); Decimal's own rounding keeps it even.
    db = tmp_path / "store.duckdb"
    start(db, "run-1", "acme")
    writer.write_run(db, batch("run-1", "acme", Decimal("10.00005")))
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT price FROM observations").fetchone() == (Decimal("10.0000"),)


def test_a_bad_value_names_its_table_and_loses_nothing_stored(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    start(db, "run-1", "acme")
    writer.write_run(db, batch("run-1", "acme", Decimal("59.99")))
    start(db, "run-2", "acme")
    with pytest.raises(writer.StagingError, match="staged_observations"):
        writer.write_run(db, batch("run-2", "acme", Decimal("1e20")))  # over DECIMAL(14, 4)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT run_id, price FROM observations").fetchall() == [
            ("run-1", Decimal("59.99"))]
        assert con.execute("SELECT run_id FROM fetches").fetchall() == [("run-1",)]
        assert con.execute("SELECT run_id, status FROM crawl_runs ORDER BY run_id").fetchall() == [
            ("run-1", "ok"), ("run-2", "running")]


def test_writing_a_run_again_replaces_its_rows(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    start(db, "run-1", "acme")
    writer.write_run(db, batch("run-1", "acme", Decimal("59.99")))
    writer.write_run(db, batch("run-1", "acme", Decimal("49.99")))
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT price FROM observations").fetchall() == [(Decimal("49.99"),)]
        assert con.execute("SELECT count(*) FROM fetches").fetchone() == (1,)
        # The page is kept once, whatever run brought it.
        assert con.execute("SELECT count(*) FROM pages").fetchone() == (1,)


def test_the_crawl_writes_without_loading_pyarrow_or_pandas(tmp_path: Path) -> None:
    """pyarrow imports pandas on its first table (~0.3 s of every crawl's start)."""
    script = (
        "import sys\n"
        "from decimal import Decimal\n"
        "from pathlib import Path\n"
        "import scrapers.runner, scrapers.pipelines\n"
        "from tests.engine.test_engine_writer import batch, start\n"
        "from benchmark import writer\n"
        f"db = Path({str(tmp_path / 'store.duckdb')!r})\n"
        "start(db, 'run-1', 'acme')\n"
        "writer.write_run(db, batch('run-1', 'acme', Decimal('59.99')))\n"
        "print('pyarrow' in sys.modules, 'pandas' in sys.modules)\n"
    )
    out = run_python(script)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.split() == ["False", "False"]


def stored(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {
            "runs": con.execute("SELECT run_id, status, plans, rejects FROM crawl_runs "
                                "ORDER BY run_id").fetchall(),
            "fetches": con.execute("SELECT run_id, competitor_id, ok FROM fetches "
                                   "ORDER BY ALL").fetchall(),
            "observations": con.execute("SELECT run_id, competitor_id, price FROM observations "
                                        "ORDER BY ALL").fetchall(),
            "rejects": con.execute("SELECT run_id, competitor_id FROM rejects ORDER BY ALL"
                                   ).fetchall(),
            "pages": con.execute("SELECT content_hash FROM pages ORDER BY ALL").fetchall(),
        }  # fmt: skip


def two_competitors(run_id: str) -> writer.RunBatch:
    acme, zeta = batch(run_id, "acme", Decimal("59.99")), batch(run_id, "zeta", Decimal("25"))
    for rows in ("pages", "fetches", "observations", "rejects"):
        getattr(acme, rows).extend(getattr(zeta, rows))
    return acme


def test_a_write_staged_in_parts_stores_what_one_batch_stores(tmp_path: Path) -> None:
    whole, parts = tmp_path / "whole.duckdb", tmp_path / "parts.duckdb"
    for db in (whole, parts):
        start(db, "run-1", "acme")
    writer.write_run(whole, two_competitors("run-1"))
    rows = two_competitors("run-1")
    write = writer.RunWrite(parts, "run-1")
    write.stage(pages=rows.pages[:1], fetches=rows.fetches[:1], observations=rows.observations[:1])
    write.stage(rejects=rows.rejects)
    write.stage(pages=rows.pages[1:], fetches=rows.fetches[1:], observations=rows.observations[1:])
    write.commit(rows.verdict())
    assert stored(parts) == stored(whole)
    assert len(stored(parts)["observations"]) == 2


def test_a_withheld_competitor_keeps_no_observations_of_the_run(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    start(db, "run-1", "acme")
    rows = two_competitors("run-1")
    write = writer.RunWrite(db, "run-1")
    write.stage(pages=rows.pages, fetches=rows.fetches, observations=rows.observations,
                rejects=rows.rejects)  # fmt: skip
    write.commit(rows.verdict(), withheld_competitors=["zeta"])
    assert stored(db)["observations"] == [("run-1", "acme", Decimal("59.99"))]
    # Its fetches, pages and rejects are evidence and stay.
    assert [cid for _, cid, _ in stored(db)["fetches"]] == ["acme", "zeta"]
    assert len(stored(db)["pages"]) == 2


def test_a_write_never_committed_leaves_nothing_behind(tmp_path: Path) -> None:
    """Rows staged, then the process killed before commit (a crawl killed while its last pages
    were read): the next reader sees the run as it was after its start write."""
    db = tmp_path / "store.duckdb"
    start(db, "run-1", "acme")
    script = (
        "import os\n"
        "from pathlib import Path\n"
        "from benchmark import writer\n"
        "from tests.engine.test_engine_writer import two_competitors\n"
        "rows = two_competitors('run-1')\n"
        f"write = writer.RunWrite(Path({str(db)!r}), 'run-1')\n"
        "write.stage(pages=rows.pages, fetches=rows.fetches, observations=rows.observations,\n"
        "            rejects=rows.rejects)\n"
        "print('staged', flush=True)\n"
        "os._exit(9)\n"
    )
    out = run_python(script)
    assert (out.returncode, out.stdout.strip()) == (9, "staged"), out.stderr[-3000:]
    assert stored(db) == {"runs": [("run-1", "running", None, None)], "fetches": [],
                          "observations": [], "rejects": [], "pages": []}  # fmt: skip
    # And the run can still be written whole.
    writer.write_run(db, two_competitors("run-1"))
    assert stored(db)["runs"] == [("run-1", "ok", 2, 2)]


def test_a_write_refuses_rows_once_it_is_closed(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    start(db, "run-1", "acme")
    rows = batch("run-1", "acme", Decimal("59.99"))
    write = writer.RunWrite(db, "run-1")
    write.stage(fetches=rows.fetches)
    write.abort()
    with pytest.raises(RuntimeError, match="run-1 is already closed"):
        write.stage(fetches=rows.fetches)
    assert stored(db)["fetches"] == []
