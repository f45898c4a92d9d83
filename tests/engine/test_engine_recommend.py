"""Recommendation strategies, the cost floor, and the rate-card designer."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmark.config import load_costs, load_profile, profile_from_dict
from benchmark.recommend import RecommendationError, design_rate_card, recommend
from tests.engine.conftest import build_market, new_db, plan

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
D = Decimal


@pytest.fixture(scope="module")
def flat_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five domestic US answering services with flat fees 1000..5000 a month."""
    path = tmp_path_factory.mktemp("flat") / "flat.duckdb"
    con, b = new_db(path)
    b.run("r1", "2026-09-01T00:00:00", "ok")
    for i in range(1, 6):
        b.competitor(f"c{i}")
        b.fetch("r1", f"c{i}", "2026-09-01T00:10:00", [plan("Flat", str(1000 * i))])
    b.flush()
    con.close()
    return path


@pytest.fixture
def flat(flat_db: Path):
    con = duckdb.connect(str(flat_db), read_only=True)
    yield con
    con.close()


def plain_profile(calls: int = 600, aht: int = 150):
    return profile_from_dict({"profile": {"name": "Plain", "calls_per_month": calls,
                                          "average_handle_seconds": aht}})


COSTS = load_costs(EXAMPLES / "costs.toml")
FLOOR = D("7518.84375") * D("0.1927")  # 1448.88 a month for 1500 talk minutes


def test_strategies_on_a_seeded_market(flat: duckdb.DuckDBPyConnection) -> None:
    match = recommend(flat, plain_profile(), COSTS, "match")
    beat = recommend(flat, plain_profile(), COSTS, "beat")
    premium = recommend(flat, plain_profile(), COSTS, "premium")
    assert match.price_per_month == D(3000)
    assert beat.price_per_month == D(1900)  # 5 % under P25 = 2000
    assert premium.price_per_month == D(4000)
    assert match.undercuts == ("c4", "c5")
    assert match.percentile == 40.0 and match.cheaper_than_pct == 40.0
    assert match.seats == D("0.1927")
    assert match.price_per_seat_month == (D(3000) / D("0.1927")).quantize(D("0.01"), "ROUND_CEILING")
    assert match.price_per_minute == D(3000) / D(1500)
    assert match.price_per_call == D(5)
    assert match.margin == (D(3000) - D("6538.125") * D("0.1927")) / (D("6538.125") * D("0.1927"))
    assert not match.below_floor
    assert any("cheaper than 40% of 5 providers" in s for s in match.explanation)


def test_never_under_the_floor_names_floor_and_gap(flat: duckdb.DuckDBPyConnection) -> None:
    rec = recommend(flat, plain_profile(), COSTS, "beat", beat_competitors=["c1"], beat_by_pct=10)
    # c1 bills 1000; 10 % under is 900, under our floor of 1448.88
    assert rec.market_target == D(900)
    assert rec.below_floor
    assert rec.price_per_month == FLOOR.quantize(D("0.01"), "ROUND_CEILING")
    assert rec.gap == FLOOR - D(900)
    assert any("cannot beat the market profitably" in s for s in rec.explanation)
    data = rec.to_json()
    assert data["cost_floor_per_seat_month"] == "7518.84"
    assert data["gap"] == "548.88"


def test_adjustments_skills_and_volume(flat: duckdb.DuckDBPyConnection) -> None:
    skilled = replace(plain_profile(), complexity="technical", languages=("en", "es"))
    rec = recommend(flat, skilled, COSTS, "match")
    assert rec.price_per_month == D(3000) * D("1.15") * D("1.10")
    big = plain_profile(calls=6000, aht=15)  # 1500 minutes; reaches the 5,000-call tier (5 %)
    assert recommend(flat, big, COSTS, "premium").price_per_month == D(4000) * D("0.95")
    beat = recommend(flat, skilled, COSTS, "beat")
    assert beat.price_per_month == D(1900)  # beating stays under the market: no premiums


def test_insufficient_data_gives_the_floor(flat: duckdb.DuckDBPyConnection) -> None:
    rec = recommend(flat, plain_profile(), COSTS, "match", min_count=6)
    assert rec.band is not None and rec.band.status == "insufficient data"
    assert rec.price_per_month == FLOOR.quantize(D("0.01"), "ROUND_CEILING")
    assert rec.to_json()["band"]["p50"] is None


def test_bad_strategy_and_unknown_competitor(flat: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(RecommendationError, match="strategy 'cheap'"):
        recommend(flat, plain_profile(), COSTS, "cheap")
    with pytest.raises(RecommendationError, match="'nobody'"):
        recommend(flat, plain_profile(), COSTS, "beat", beat_competitors=["nobody"])


def test_revenue_share(flat: duckdb.DuckDBPyConnection) -> None:
    costs = replace(COSTS, adjustments=replace(COSTS.adjustments, revenue_share=D("0.05")))
    rec = recommend(flat, plain_profile(), costs, "match", client_sales_per_month=D(20000))
    assert rec.revenue_share_monthly == D(1000)


@settings(max_examples=25, deadline=None)
@given(wage=st.decimals("5", "120", places=2), margin=st.decimals("0", "1", places=2),
       calls=st.integers(50, 5000), aht=st.integers(30, 600))
def test_property_floor_and_order(flat_db: Path, wage, margin, calls, aht) -> None:
    costs = replace(COSTS, hourly_wage=wage, min_margin=margin)
    profile = plain_profile(calls, aht)
    con = duckdb.connect(str(flat_db), read_only=True)
    try:
        recs = {s: recommend(con, profile, costs, s) for s in ("beat", "match", "premium")}
    finally:
        con.close()
    for rec in recs.values():
        assert rec.price_per_month >= rec.monthly_floor
        assert rec.price_per_seat_month >= rec.cost_floor_per_seat_month
    if not any(r.below_floor for r in recs.values()):
        assert (recs["beat"].price_per_month <= recs["match"].price_per_month
                <= recs["premium"].price_per_month)


@pytest.fixture(scope="module")
def market_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_market(tmp_path_factory.mktemp("rc") / "market.duckdb")


@settings(max_examples=5, deadline=None)
@given(tiers=st.lists(st.integers(20, 2000), min_size=2, max_size=5, unique=True),
       strategy=st.sampled_from(["beat", "match", "premium"]))
def test_rate_card_ladder(market_path: Path, tiers, strategy) -> None:
    profile = load_profile(EXAMPLES / "profile.toml")
    con = duckdb.connect(str(market_path), read_only=True)
    try:
        card = design_rate_card(con, profile, COSTS, strategy, tiers=tiers)
    finally:
        con.close()
    assert [t.quantity for t in card.tiers] == sorted(tiers)
    for lower, upper in zip(card.tiers, card.tiers[1:], strict=False):
        assert upper.price_per_unit <= lower.price_per_unit  # bigger bundle, lower unit price
        assert upper.price >= lower.price  # but never a smaller bill
    for tier in card.tiers:
        assert tier.price >= tier.floor
    assert card.overage_rate >= card.tiers[-1].price_per_unit
