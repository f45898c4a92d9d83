"""Bands: one value per competitor, exact quantiles, insufficient data, history as of a date."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

from benchmark.config import profile_from_dict
from benchmark.fx import FxTable
from benchmark.market import Segment, band_history, competitor_prices, profile_band, rate_card_bands
from tests.engine.conftest import MarketBuilder, plan

D = Decimal


def small_profile(calls: int = 100, aht: int = 60, **extra: object):
    return profile_from_dict({"profile": {"name": "Small office", "calls_per_month": calls,
                                          "average_handle_seconds": aht,
                                          "call_length_cv": D(0), **extra}})


def seed_flat_market(b: MarketBuilder) -> duckdb.DuckDBPyConnection:
    """Five competitors with flat monthly fees 100..500; c5 also has a dearer plan; one quote."""
    b.run("r1", "2026-09-01T00:00:00", "ok")
    for i in range(1, 6):
        cid = b.competitor(f"c{i}")
        plans = [plan("Flat", str(100 * i))]
        if i == 5:
            plans.append(plan("Premium flat", "900"))
        b.fetch("r1", cid, "2026-09-01T00:10:00", plans)
    b.competitor("q1")
    b.fetch("r1", "q1", "2026-09-01T00:10:00", [plan("Custom", None, "quote")])
    b.competitor("offshore1", delivery="offshore", country="PH")
    b.fetch("r1", "offshore1", "2026-09-01T00:10:00", [plan("Flat", "10")])
    b.flush()
    return b.con


def test_seeded_quantiles_are_exact_and_one_value_per_competitor(builder: MarketBuilder) -> None:
    con = seed_flat_market(builder)
    band = profile_band(con, small_profile(), Segment("answering_service", "domestic", "US"),
                        as_of="2026-10-01")
    assert band.status == "ok"
    assert (band.n_priced, band.n_quote_only) == (5, 1)
    q = band.monthly_cost
    assert q is not None
    # quantile_cont over 100, 200, 300, 400, 500 (c5's 900 plan is not a second value)
    assert (q.p10, q.p25, q.p50, q.p75, q.p90) == (D(140), D(200), D(300), D(400), D(460))
    # unit equivalents: 100 calls, 100 minutes
    assert band.per_call is not None and band.per_call.p50 == D(3)
    assert band.per_minute is not None and band.per_minute.p50 == D(3)
    assert band.oldest_observation_age_days == pytest.approx(30 + (23 * 60 + 50) / 1440, abs=0.01)


def test_insufficient_data_under_min_count(builder: MarketBuilder) -> None:
    con = seed_flat_market(builder)
    band = profile_band(con, small_profile(), Segment("answering_service", "domestic", "US"),
                        min_count=6)
    assert band.status == "insufficient data"
    assert band.to_json()["monthly_cost"] is None
    offshore = profile_band(con, small_profile(), Segment(delivery="offshore"))
    assert offshore.n_priced == 1 and not offshore.sufficient


def test_band_history_as_of_past_dates(market_con: duckdb.DuckDBPyConnection) -> None:
    profile = small_profile()  # 100 one-minute calls: PATLive's 100-minute plan is its cheapest
    before, after = band_history(market_con, profile, None, ["2026-09-10", "2026-10-05"])
    patlive_then = next(c for c in before.competitors if c.competitor_id == "patlive")
    patlive_now = next(c for c in after.competitors if c.competitor_id == "patlive")
    assert patlive_then.monthly_cost == D(189)  # before the 09-15 change
    assert patlive_now.monthly_cost == D(199)  # after it; the failed run's $5 never counts
    assert before.monthly_cost != after.monthly_cost
    empty = profile_band(market_con, profile, None, "2026-08-01")
    assert empty.n_priced == 0 and empty.status == "insufficient data"


def test_market_statuses_degraded_failed_and_currency(market_con: duckdb.DuckDBPyConnection) -> None:
    prices = {c.competitor_id: c for c in competitor_prices(market_con, small_profile())}
    assert prices["nexa"].status == "quote_only"
    assert prices["signpost"].monthly_cost == D(350)  # degraded run's $1 ignored
    assert prices["davinci"].plan_name == "Business 100"  # empty fetch kept the last card
    assert prices["map_communications"].status == "priced"  # failed fetch, then a good one
    # CSnotepad bills in GBP: Fixed 50 = 35 + 50 x 0.70 = 70 GBP, converted at the latest rate.
    cs = prices["csnotepad"]
    assert (cs.native_currency, cs.native_monthly_cost) == ("GBP", D(70))
    gbp = FxTable.load(market_con).usd_per_unit("GBP")
    assert cs.monthly_cost == (D(70) * gbp).quantize(D("0.0001"))
    assert len(prices) == len({c for c in prices})  # one row per competitor


def test_rate_card_bands_one_value_per_competitor(market_con: duckdb.DuckDBPyConnection) -> None:
    bands = {b.kind: b for b in rate_card_bands(market_con)}
    hourly = bands["per_agent_hour"]
    assert hourly.n_priced == 5
    assert hourly.quantiles is not None and hourly.quantiles.p50 == D(9)
    per_minute = bands["per_minute"]
    assert len(per_minute.competitors) == len(set(per_minute.competitors)) == per_minute.n_priced
    assert "signpost" in per_minute.competitors
    assert bands["per_seat_month"].status == "insufficient data"
