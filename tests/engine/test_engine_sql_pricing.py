"""Profile pricing in SQL (marts/profile_prices) agrees with the Python reference
(benchmark.normalize via market.price_competitors) to the cent; the materialized latest plans
are used only while fresh; band history in one pass equals one band per date."""

from __future__ import annotations

import pickle
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from benchmark.config import Costs, Profile, load_costs, profile_from_dict
from benchmark.fx import FxTable
from benchmark.market import (
    Segment,
    as_instant,
    band_history,
    competitor_prices,
    latest_plans,
    materialized_latest_fresh,
    price_competitors,
    profile_band,
)
from benchmark.rebuild import rebuild
from benchmark.recommend import recommend

D = Decimal
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CENT = D("0.01")

PROFILES = {
    "small, exact minutes": {"calls_per_month": 100, "average_handle_seconds": 60,
                             "call_length_cv": 0},
    "lognormal 150 s": {"calls_per_month": 400, "average_handle_seconds": 150},
    "short calls, yearly": {"calls_per_month": 900, "average_handle_seconds": 47,
                            "call_length_cv": D("0.6"), "billing": "yearly"},
    "call center 24/7": {"calls_per_month": 12000, "average_handle_seconds": 240,
                         "coverage": "24/7", "service_type": "call_center"},
    "big bundle user": {"calls_per_month": 3000, "average_handle_seconds": 95,
                        "call_length_cv": D("1.4")},
}


def make_profile(fields: dict[str, object]):
    return profile_from_dict({"profile": {"name": "p", **fields}})


def cents(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(CENT)


@pytest.mark.parametrize("name", sorted(PROFILES))
@pytest.mark.parametrize("as_of", [None, "2026-09-10"])
@pytest.mark.parametrize("currency", ["USD", "GBP"])
def test_sql_prices_equal_python_reference(
    market_con: duckdb.DuckDBPyConnection, name: str, as_of: str | None, currency: str
) -> None:
    profile = make_profile(PROFILES[name])
    instant = as_instant(as_of)
    reference = price_competitors(latest_plans(market_con, instant), profile,
                                  FxTable.load(market_con), currency, instant)
    got = competitor_prices(market_con, profile, as_of, currency)
    assert [p.competitor_id for p in got] == [p.competitor_id for p in reference]
    assert sum(p.status == "priced" for p in got) >= 5  # a market, not an empty table
    for sql, py in zip(got, reference, strict=True):
        where = f"{sql.competitor_id} ({name})"
        assert sql.status == py.status, where
        assert (sql.plan_name, sql.unit, sql.native_currency) == (
            py.plan_name, py.unit, py.native_currency), where
        for key in ("monthly_cost", "per_call", "per_minute", "per_seat_month",
                    "native_monthly_cost"):
            assert cents(getattr(sql, key)) == cents(getattr(py, key)), (where, key)
        assert sql.observed_at == py.observed_at, where
        assert (sql.url, sql.evidence, sql.reason) == (py.url, py.evidence, py.reason), where
        assert sql.lines == py.lines, where


def test_unpriceable_plans_are_flagged_with_the_reference_reason(
    market_con: duckdb.DuckDBPyConnection,
) -> None:
    # 20,000 calls overflow every bundle; plans without an overage rate cannot price it.
    profile = make_profile({"calls_per_month": 20000, "average_handle_seconds": 120})
    got = {p.competitor_id: p for p in competitor_prices(market_con, profile)}
    reference = {p.competitor_id: p for p in price_competitors(
        latest_plans(market_con), profile, FxTable.load(market_con))}
    unpriced = [cid for cid, p in got.items() if p.status == "unpriced"]
    assert unpriced, "expected a competitor whose bundles cannot price 20,000 calls"
    for cid in unpriced:
        assert "no per-minute overage rate is published" in (got[cid].reason or "")
        assert got[cid].reason == reference[cid].reason
    assert {cid for cid, p in got.items() if p.status == "quote_only"} == {
        cid for cid, p in reference.items() if p.status == "quote_only"} != set()


def test_materialized_latest_plans_used_only_while_fresh(market_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "copy.duckdb"
    shutil.copy(market_db, path)
    con = duckdb.connect(str(path))
    try:
        live = latest_plans(con)
        assert not materialized_latest_fresh(con)  # never rebuilt
        result = rebuild(con)
        assert result.latest_plans == len(live) > 0
        assert materialized_latest_fresh(con)
        assert latest_plans(con) == live
        # Tamper with the copy: a fresh mart is what the API reads.
        con.execute("UPDATE mart_latest_plans SET price = price + 1 WHERE unit = 'month'")
        bumped = latest_plans(con)
        assert bumped != live
        # A newer good run makes the mart stale: live again, untouched by the tampering.
        con.execute("INSERT INTO crawl_runs (run_id, started_at, finished_at, status) "
                    "VALUES ('run-9', TIMESTAMPTZ '2026-11-01 00:00:00+00', "
                    "TIMESTAMPTZ '2026-11-01 00:10:00+00', 'ok')")
        assert not materialized_latest_fresh(con)
        assert latest_plans(con) == live
    finally:
        con.close()


@pytest.fixture(scope="module")
def rebuilt_db(market_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the market with mart_latest_plans materialized (as the scheduler leaves it)."""
    path = tmp_path_factory.mktemp("rebuilt") / "rebuilt.duckdb"
    shutil.copy(market_db, path)
    con = duckdb.connect(str(path))
    try:
        rebuild(con)
    finally:
        con.close()
    return path


@pytest.mark.parametrize("name", sorted(PROFILES))
@pytest.mark.parametrize("currency", ["USD", "GBP"])
def test_prices_from_the_fresh_mart_equal_the_live_prices(
    market_con: duckdb.DuckDBPyConnection, rebuilt_db: Path, name: str, currency: str
) -> None:
    profile = make_profile(PROFILES[name])
    live = competitor_prices(market_con, profile, None, currency)  # never rebuilt: live
    con = duckdb.connect(str(rebuilt_db), read_only=True)
    try:
        assert materialized_latest_fresh(con)
        from_mart = competitor_prices(con, profile, None, currency)
    finally:
        con.close()
    assert sum(p.status == "priced" for p in from_mart) >= 5
    assert [p.to_json() for p in from_mart] == [p.to_json() for p in live]


def test_prices_read_the_mart_only_while_fresh(rebuilt_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "copy.duckdb"
    shutil.copy(rebuilt_db, path)
    profile = make_profile(PROFILES["lognormal 150 s"])
    con = duckdb.connect(str(path))
    try:
        before = {p.competitor_id: p for p in competitor_prices(con, profile)}
        # Tamper with the mart: while fresh, it is what pricing reads.
        con.execute("UPDATE mart_latest_plans SET price = price * 3, annual_price_per_month = "
                    "annual_price_per_month * 3 WHERE unit = 'month'")
        tampered = {p.competitor_id: p for p in competitor_prices(con, profile)}
        changed = [cid for cid, p in tampered.items()
                   if p.unit == "month" and p.monthly_cost != before[cid].monthly_cost]
        assert changed, "pricing did not read the materialized latest plans"
        # A newer good run makes the mart stale: priced live again, as before the tampering.
        con.execute("INSERT INTO crawl_runs (run_id, started_at, finished_at, status) "
                    "VALUES ('run-9', TIMESTAMPTZ '2026-11-01 00:00:00+00', "
                    "TIMESTAMPTZ '2026-11-01 00:10:00+00', 'ok')")
        after = {p.competitor_id: p for p in competitor_prices(con, profile)}
        assert {k: v.to_json() for k, v in after.items()} == {
            k: v.to_json() for k, v in before.items()}
    finally:
        con.close()


@pytest.mark.parametrize("segment_of", ["profile", "service type", "whole market"])
def test_band_history_in_one_pass_equals_one_band_per_date(
    market_con: duckdb.DuckDBPyConnection, segment_of: str
) -> None:
    profile = make_profile(PROFILES["lognormal 150 s"])
    # band_history reads and prices only the segment's competitors; profile_band prices them all.
    segment = {"profile": None, "service type": Segment(profile.service_type),
               "whole market": Segment()}[segment_of]
    everyone = competitor_prices(market_con, profile)
    assert any(p.service_type != profile.service_type for p in everyone)  # some to leave out
    dates = ["2026-08-01", "2026-09-10", "2026-09-20", "2026-10-05", "2026-12-01", "2026-09-10"]
    history = band_history(market_con, profile, segment, dates)
    assert len(history) == len(dates)
    assert sum(b.n_priced for b in history) > 0
    for day, band in zip(dates, history, strict=True):
        single = profile_band(market_con, profile, segment, day)
        assert band.to_json() == single.to_json(), day
        assert [c.to_json() for c in band.competitors] == [
            c.to_json() for c in single.competitors], day


@pytest.mark.parametrize("strategy", ["match", "beat", "premium"])
def test_market_position_reuses_prices_and_band_with_the_same_answer(
    market_con: duckdb.DuckDBPyConnection, strategy: str
) -> None:
    from benchmark import api

    root = Path(__file__).resolve().parents[2]
    costs = api.load_costs(root / "examples" / "costs.toml")
    profile = make_profile(PROFILES["lognormal 150 s"])
    position = api.market_position(market_con, profile, costs, strategy)
    alone = api.recommend(market_con, profile, costs, strategy)
    assert position.recommendation.to_json() == alone.to_json()
    assert alone.band is not None and position.band.to_json() == alone.band.to_json()
    assert position.band.sufficient  # the reused band is a real one
    assert len(position.prices) == len(competitor_prices(market_con, profile,
                                                         currency=costs.currency))


def test_recommendation_prices_built_on_read_equal_competitor_prices(
    market_con: duckdb.DuckDBPyConnection,
) -> None:
    profile = make_profile(PROFILES["lognormal 150 s"])
    prices = competitor_prices(market_con, profile)
    costs = load_costs(EXAMPLES / "costs.toml")
    rec = recommend(market_con, profile, costs, "match", min_count=2)
    assert rec.band is not None and rec.band.n_priced >= 2
    members = {p.competitor_id for p in rec.band.competitors}
    # The band's members, built alone, are the same objects' values as the full list's.
    assert [p.to_json() for p in rec.band.competitors] == [
        p.to_json() for p in prices if p.competitor_id in members]
    # It priced the competitors its band could hold: the profile's service type.
    same_type = tuple(p for p in prices if p.service_type == profile.service_type)
    assert 0 < len(same_type) < len(prices)
    assert [p.to_json() for p in rec.competitors] == [p.to_json() for p in same_type]
    assert rec.competitors == same_type and hash(rec.competitors) == hash(same_type)
    assert pickle.loads(pickle.dumps(rec)) == rec


def _recommend_both_ways(con: duckdb.DuckDBPyConnection, profile: Profile, costs: Costs,
                         strategy: str, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """recommend's own (scoped) pricing and the same from every competitor's prices."""
    everyone = competitor_prices(con, profile, currency=costs.currency)
    scoped = recommend(con, profile, costs, strategy, **kwargs)
    full = recommend(con, profile, costs, strategy, prices=everyone, **kwargs)
    return scoped.to_json(), full.to_json()


@pytest.mark.parametrize("name", sorted(PROFILES))
@pytest.mark.parametrize("strategy", ["match", "beat", "premium"])
@pytest.mark.parametrize("mart", [False, True], ids=["live", "fresh mart"])
def test_recommend_scoped_to_the_service_type_equals_pricing_everyone(
    market_con: duckdb.DuckDBPyConnection, rebuilt_db: Path, name: str, strategy: str,
    mart: bool,
) -> None:
    profile = make_profile(PROFILES[name])
    costs = load_costs(EXAMPLES / "costs.toml")
    con = duckdb.connect(str(rebuilt_db), read_only=True) if mart else market_con
    try:
        assert materialized_latest_fresh(con) == mart
        scoped, full = _recommend_both_ways(con, profile, costs, strategy, min_count=2)
    finally:
        if mart:
            con.close()
    assert scoped["band"] is not None and scoped["band"]["n_priced"] >= 2
    assert scoped == full


@pytest.mark.parametrize("mart", [False, True], ids=["live", "fresh mart"])
def test_beating_a_named_competitor_of_another_service_type(
    market_con: duckdb.DuckDBPyConnection, rebuilt_db: Path, mart: bool
) -> None:
    profile = make_profile(PROFILES["call center 24/7"])
    costs = load_costs(EXAMPLES / "costs.toml")
    con = duckdb.connect(str(rebuilt_db), read_only=True) if mart else market_con
    try:
        others = [p for p in competitor_prices(con, profile, currency=costs.currency)
                  if p.service_type != profile.service_type and p.status == "priced"]
        assert others, "the market has priced competitors of another service type"
        named = (others[0].competitor_id,)
        rec = recommend(con, profile, costs, "beat", beat_competitors=named, min_count=2)
        scoped, full = _recommend_both_ways(con, profile, costs, "beat",
                                            beat_competitors=named, min_count=2)
    finally:
        if mart:
            con.close()
    assert named[0] in " ".join(rec.explanation)
    assert {p.competitor_id for p in rec.competitors} >= set(named)
    assert scoped == full
