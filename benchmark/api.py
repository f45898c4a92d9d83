"""The benchmark engine's public facade (stable: the dashboard and the CLI call only this).

Every function that takes `con` only reads, so a short-lived read-only connection works
(`benchmark.store.connection(db, read_only=True)`). Money is Decimal in the currency named next
to it; dataclasses have `.to_json()` giving JSON-ready dicts (money as strings).

Files:
    load_profile(path) -> Profile              profile.toml (DESIGN.md keys; ConfigError names
    load_costs(path) -> Costs                  costs.toml    file, key and value when bad)

Market (as_of: a date = end of that day UTC, a datetime, an ISO string, or None = now):
    segments(con) -> list[Segment]
    latest_rate_cards(con, competitor_id=None, as_of=None) -> list[dict]   one row per plan
    competitor_prices(con, profile, as_of=None, currency="USD") -> list[CompetitorPrice]
        one per competitor: status priced | quote_only | unpriced, cheapest plan, monthly_cost,
        per_call, per_minute, per_seat_month, evidence, invoice lines
    profile_band(con, profile, segment=None, as_of=None, min_count=5, currency="USD") -> Band
        P10..P90 of monthly_cost / per_call / per_minute / per_seat_month, n_priced,
        n_quote_only, n_unpriced, oldest_observation_age_days, status "ok"|"insufficient data"
    band_history(con, profile, segment, dates, min_count=5, currency="USD", *, members=True)
        -> list[Band]   all dates in one pass; members=False skips per-competitor rows
    band_dates(con, limit=30) -> list[datetime]   ends of the newest days a crawl delivered data
    rate_card_bands(con, segment=None, as_of=None, min_count=5) -> list[RateBand]   (USD)
        kinds: per_minute, bundle_per_minute, per_call, per_seat_month, per_agent_hour
    rate_versions(con, competitor_id=None) -> list[dict]   valid_from / valid_to per plan
    rate_changes(con, competitor_id=None) -> list[dict]    old_price, new_price, percent, ...

Costs and prices:
    cost_summary(costs, profile=None) -> CostSummary
    staffing(calls_per_hour, aht_seconds, service_level=0.8, answer_within=20, shrinkage=0.0)
        -> Staffing (agents, service_level, occupancy, traffic_erlangs, ...)
    recommend(con, profile, costs, strategy="match", *, beat_competitors=(), beat_by_pct=5,
              segment=None, as_of=None, min_count=5, client_sales_per_month=None)
        -> Recommendation (.to_json() has the DESIGN.md --json keys)
    design_rate_card(con, profile, costs, strategy="match", *, tiers=(50, 100, 200, 500, 1000),
                     unit="minutes", beat_by_pct=5, as_of=None, min_count=5) -> RateCard
    renewals(con, contracts_path, costs, *, within_days=60, today=None, strategy="match",
             min_count=5) -> list[Renewal]
    market_position(con, profile, costs, strategy="match", *, segment=None, min_count=5)
        -> MarketPosition (prices, band, recommendation): one pricing of the market shared by
        the band and the recommendation (the dashboard's Market view)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb

from benchmark.config import ConfigError, Costs, Profile, load_costs, load_profile
from benchmark.costs import CostSummary, cost_summary
from benchmark.erlang import Staffing
from benchmark.erlang import staffing as _staffing
from benchmark.market import (
    Band,
    CompetitorPrice,
    Quantiles,
    RateBand,
    Segment,
    band_dates,
    band_from_prices,
    band_history,
    competitor_prices,
    latest_plans,
    priced_market,
    profile_band,
    rate_card_bands,
    rate_changes,
    rate_versions,
    segments,
)
from benchmark.recommend import (
    RateCard,
    Recommendation,
    RecommendationError,
    design_rate_card,
    recommend,
)
from benchmark.renewals import Renewal, RenewalError, renewals


def latest_rate_cards(
    con: duckdb.DuckDBPyConnection,
    competitor_id: str | None = None,
    as_of: date | datetime | str | None = None,
) -> list[dict[str, Any]]:
    """Each competitor's latest good rate card, one row per plan (with evidence)."""
    return latest_plans(con, as_of, competitor_id)


@dataclass(frozen=True, slots=True)
class MarketPosition:
    """Every competitor's price for a profile, the band of a segment, and our recommendation,
    all from one pricing of the market."""

    prices: tuple[CompetitorPrice, ...]
    band: Band
    recommendation: Recommendation


def market_position(
    con: duckdb.DuckDBPyConnection,
    profile: Profile,
    costs: Costs,
    strategy: str = "match",
    *,
    segment: Segment | None = None,
    min_count: int = 5,
    beat_competitors: tuple[str, ...] = (),
    beat_by_pct: Decimal | float | str = Decimal(5),
) -> MarketPosition:
    """Prices once (in the cost model's currency), then the segment's band and the
    recommendation from those prices."""
    prices = priced_market(con, profile, None, costs.currency)
    band = band_from_prices(con, prices, segment or Segment.for_profile(profile),
                            min_count=min_count, currency=costs.currency)
    rec = recommend(con, profile, costs, strategy, segment=segment, min_count=min_count,
                    beat_competitors=beat_competitors, beat_by_pct=beat_by_pct,
                    prices=prices, band=band)
    return MarketPosition(tuple(prices), band, rec)


def staffing(
    calls_per_hour: float,
    aht_seconds: float,
    service_level: float = 0.80,
    answer_within: float = 20.0,
    shrinkage: float = 0.0,
) -> Staffing:
    """Erlang C: the fewest agents answering `service_level` of calls within `answer_within` s."""
    return _staffing(calls_per_hour, aht_seconds, service_level, answer_within, shrinkage)


__all__ = [
    "Band",
    "CompetitorPrice",
    "ConfigError",
    "CostSummary",
    "Costs",
    "MarketPosition",
    "Profile",
    "Quantiles",
    "RateBand",
    "RateCard",
    "Recommendation",
    "RecommendationError",
    "Renewal",
    "RenewalError",
    "Segment",
    "Staffing",
    "band_dates",
    "band_history",
    "competitor_prices",
    "cost_summary",
    "design_rate_card",
    "latest_rate_cards",
    "load_costs",
    "load_profile",
    "market_position",
    "profile_band",
    "rate_card_bands",
    "rate_changes",
    "rate_versions",
    "recommend",
    "renewals",
    "segments",
    "staffing",
]
