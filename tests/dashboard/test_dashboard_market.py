"""Market view: numbers on screen are the engine's for the same inputs."""

from __future__ import annotations

from pathlib import Path

import duckdb

from benchmark import api
from dashboard import inputs

EXAMPLE_PROFILE = inputs.EXAMPLES / "profile.toml"


def _engine(db: Path, strategy: str = "match", min_count: int = 5):
    profile = api.load_profile(EXAMPLE_PROFILE)
    costs = api.load_costs(inputs.EXAMPLES / "costs.toml")
    segment = api.Segment.for_profile(profile)
    with duckdb.connect(str(db), read_only=True) as con:
        band = api.profile_band(con, profile, segment, min_count=min_count)
        rec = api.recommend(con, profile, costs, strategy, segment=segment, min_count=min_count)
    return band, rec


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_market_numbers_equal_the_engines(seeded_db: Path, open_page) -> None:
    at = open_page("market")
    band, rec = _engine(seeded_db)
    assert band.sufficient and band.n_priced == 10 and band.n_quote_only == 2
    metrics = _metrics(at)
    assert metrics["Providers priced"] == "10"
    assert metrics["Quote-only providers"] == "2"
    assert metrics["Market median (P50)"] == f"${band.monthly_cost.p50:,.2f}"
    assert metrics["Our price (match)"] == f"${rec.price_per_month:,.2f}"
    heading = at.subheader[0].value
    assert heading == f"Cheaper than {rec.cheaper_than_pct:.0f}% of 10 providers"
    table = at.dataframe[0].value
    assert len(table) == 12  # 10 priced + 2 quote-only in the segment
    engine_costs = sorted(float(p.monthly_cost) for p in band.competitors if p.monthly_cost)
    assert sorted(table["monthly cost"].dropna()) == engine_costs
    assert not at.warning and not at.error


def test_strategy_changes_our_price_like_the_engine(seeded_db: Path, open_page) -> None:
    at = open_page("market")
    at.radio(key="market-strategy").set_value("premium").run()
    _, rec = _engine(seeded_db, "premium")
    assert _metrics(at)["Our price (premium)"] == f"${rec.price_per_month:,.2f}"


def test_segment_with_too_few_providers_says_so(seeded_db: Path, open_page) -> None:
    at = open_page("market")
    offshore = next(s for s in at.selectbox(key="market-segment").options
                    if s.startswith("call_center / offshore / PH"))
    at.selectbox(key="market-segment").select(offshore).run()
    assert not at.exception
    assert any("Insufficient data: only 1 providers" in w.value for w in at.warning)
    assert _metrics(at)["Market median (P50)"] == "—"


def test_zero_calls_is_an_inline_error_naming_the_field(seeded_db: Path, open_page) -> None:
    at = open_page("market")
    calls = next(n for n in at.number_input if n.label == "Calls per month")
    calls.set_value(0).run()
    assert not at.exception
    assert "calls_per_month" in at.error[0].value and "profile.toml" in at.error[0].value
    assert not at.metric


def test_empty_database_explains_how_to_fill_it(empty_db: Path, open_page) -> None:
    at = open_page("market")
    assert "empty" in at.info[0].value
    assert "make demo" in at.code[0].value
