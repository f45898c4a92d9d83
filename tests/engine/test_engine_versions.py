"""Rate versions and changes from observations (SQL in benchmark/sql/marts)."""

from __future__ import annotations

from decimal import Decimal

import duckdb

from benchmark.market import rate_changes, rate_versions, run_checks
from tests.engine.conftest import MarketBuilder, plan, ts


def build_history(b: MarketBuilder) -> duckdb.DuckDBPyConnection:
    b.competitor("acme", increment=30)
    basic, pro = plan("Basic", "100", minutes=100, over_min="1.50"), plan("Pro", "180", minutes=200)
    b.run("r1", "2026-09-01T01:00:00", "ok")
    b.fetch("r1", "acme", "2026-09-01T01:05:00", [basic, pro])
    b.run("r2", "2026-09-08T01:00:00", "ok")
    b.fetch("r2", "acme", "2026-09-08T01:05:00", [basic, pro])
    b.run("r3", "2026-09-15T01:00:00", "ok")
    b.fetch("r3", "acme", "2026-09-15T01:05:00", None, ok=False)  # failed fetch
    b.run("r4", "2026-09-22T01:00:00", "ok")
    b.fetch("r4", "acme", "2026-09-22T01:05:00",
            [plan("Basic", "110", minutes=100, over_min="1.50"),
             plan("Professional", "180", minutes=200)])  # price change + rename
    b.run("r5", "2026-09-29T01:00:00", "degraded", degraded=["acme"])
    b.fetch("r5", "acme", "2026-09-29T01:05:00", [plan("Basic", "1", minutes=100)])  # junk
    b.run("r6", "2026-10-06T01:00:00", "ok")
    b.fetch("r6", "acme", "2026-10-06T01:05:00",
            [plan("Basic", "110", minutes=100, over_min="1.50")])  # Pro withdrawn
    b.run("r7", "2026-10-13T01:00:00", "ok")
    b.fetch("r7", "acme", "2026-10-13T01:05:00", [])  # ok but empty
    b.flush()
    return b.con


def test_versions_change_unchanged_failed_fetch_and_rename(builder: MarketBuilder) -> None:
    con = build_history(builder)
    versions = rate_versions(con, "acme")
    basic = [v for v in versions if v["included_minutes"] == 100]
    pro = [v for v in versions if v["included_minutes"] == 200]
    # Basic: 100 until the change on 09-22 (the failed fetch of 09-15 did not end it), then 110.
    assert [(v["price"], v["valid_from"], v["valid_to"]) for v in basic] == [
        (Decimal("100.0000"), ts("2026-09-01T01:05:00"), ts("2026-09-22T01:05:00")),
        (Decimal("110.0000"), ts("2026-09-22T01:05:00"), None),
    ]
    # Unchanged observations collapse: r1 + r2 form one version.
    assert basic[0]["observations"] == 2
    # The degraded run's junk price and the empty fetch never appear or end a version.
    assert all(v["price"] != Decimal("1.0000") for v in versions)
    assert basic[1]["valid_to"] is None
    # Pro keeps one version through its rename, ends when a good fetch no longer shows it.
    assert len(pro) == 1
    assert pro[0]["plan_name"] == "Professional"
    assert pro[0]["observations"] == 3
    assert pro[0]["valid_from"] == ts("2026-09-01T01:05:00")
    assert pro[0]["valid_to"] == ts("2026-10-06T01:05:00")


def test_changes_list_old_new_percent(builder: MarketBuilder) -> None:
    con = build_history(builder)
    changes = rate_changes(con)
    assert len(changes) == 1  # the rename and the withdrawal are not price changes
    change = changes[0]
    assert change["competitor_id"] == "acme"
    assert (change["old_price"], change["new_price"]) == (Decimal("100.0000"), Decimal("110.0000"))
    assert change["percent"] == 10.0
    assert change["changed_at"] == ts("2026-09-22T01:05:00")


def test_withdrawn_plan_that_returns_is_a_new_version_not_a_change(builder: MarketBuilder) -> None:
    con = build_history(builder)
    builder.run("r8", "2026-10-20T01:00:00", "ok")
    builder.fetch("r8", "acme", "2026-10-20T01:05:00",
                  [plan("Basic", "110", minutes=100, over_min="1.50"),
                   plan("Pro", "180", minutes=200)])
    builder.flush()
    pro = [v for v in rate_versions(con, "acme") if v["included_minutes"] == 200]
    assert [v["valid_from"] for v in pro] == [ts("2026-09-01T01:05:00"), ts("2026-10-20T01:05:00")]
    assert len(rate_changes(con)) == 1


def test_checks_pass_on_clean_history_and_catch_negative_price(builder: MarketBuilder) -> None:
    con = build_history(builder)
    checks = run_checks(con)
    assert all(rows == [] for rows in checks.values()), checks
    con.execute(
        "INSERT INTO observations (run_id, competitor_id, url, fetched_at, content_hash, "
        "plan_name, price, currency, unit, evidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ["r6", "acme", MarketBuilder.url("acme"), ts("2026-10-06T01:05:00"), "x", "Bad",
         Decimal("-5"), "XYZ", "month", "Bad: -5"],
    )
    checks = run_checks(con)
    assert [r["plan_name"] for r in checks["negative_prices"]] == ["Bad"]
    assert [r["currency"] for r in checks["currency_missing"]] == ["XYZ"]


def test_market_history_versions(market_con: duckdb.DuckDBPyConnection) -> None:
    changes = rate_changes(market_con)
    assert [(c["competitor_id"], c["old_price"], c["new_price"]) for c in changes] == [
        ("patlive", Decimal("189.0000"), Decimal("199.0000"))
    ]
    ruby_pro = [v for v in rate_versions(market_con, "ruby") if v["included_minutes"] == 100]
    assert len(ruby_pro) == 1 and ruby_pro[0]["plan_name"] == "Pro 100"
    signpost = rate_versions(market_con, "signpost")
    assert all(v["price"] > Decimal(100) for v in signpost)  # degraded junk excluded
