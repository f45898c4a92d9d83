"""Latest rate cards: chosen on fetches first, with the fallback for a fetch that stored none."""

from __future__ import annotations

from decimal import Decimal

from benchmark.market import latest_plans
from tests.engine.conftest import MarketBuilder, plan


def test_fetch_whose_plans_were_all_refused_keeps_the_previous_card(builder: MarketBuilder) -> None:
    builder.competitor("acme")
    builder.run("r1", "2026-09-01T01:00:00", "ok")
    builder.fetch("r1", "acme", "2026-09-01T01:05:00", [plan("Basic", "100", minutes=100)])
    builder.run("r2", "2026-09-08T01:00:00", "ok")
    builder.fetch("r2", "acme", "2026-09-08T01:05:00", [])
    builder.flush()
    # r2's page listed two plans that validation refused: plans_found > 0, nothing stored.
    builder.con.execute("UPDATE fetches SET plans_found = 2 WHERE run_id = 'r2'")
    rows = latest_plans(builder.con)
    assert [(r["run_id"], r["plan_name"], r["price"]) for r in rows] == [
        ("r1", "Basic", Decimal("100.0000"))
    ]
    assert latest_plans(builder.con, "2026-08-31") == []


def test_latest_card_as_of_a_date_and_now(builder: MarketBuilder) -> None:
    builder.competitor("acme")
    builder.run("r1", "2026-09-01T01:00:00", "ok")
    builder.fetch("r1", "acme", "2026-09-01T01:05:00", [plan("Basic", "100", minutes=100)])
    builder.run("r2", "2026-09-08T01:00:00", "ok")
    builder.fetch("r2", "acme", "2026-09-08T01:05:00", [plan("Basic", "120", minutes=100)])
    builder.run("r3", "2026-09-15T01:00:00", "failed")
    builder.fetch("r3", "acme", "2026-09-15T01:05:00", [plan("Basic", "5", minutes=100)])
    builder.flush()
    assert [r["price"] for r in latest_plans(builder.con, "2026-09-05")] == [Decimal("100.0000")]
    assert [r["price"] for r in latest_plans(builder.con)] == [Decimal("120.0000")]
