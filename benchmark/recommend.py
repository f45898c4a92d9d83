"""What to charge: a market position, adjusted for the client, never under the cost floor.

Steps (each becomes one sentence of the explanation):
 1. the band of effective monthly cost for the profile in its segment; when fewer than
    `min_count` competitors are priced, the segment is widened (vertical, country, delivery);
 2. the strategy's target: match = P50, premium = P75, beat = P25 less `beat_by_pct`, or the
    cheapest of the named competitors less `beat_by_pct`;
 3. adjustments (not for a named-competitor beat, which is already like for like): a delivery
    factor when the band had to include other delivery segments, technical and bilingual skill
    premiums, the volume discount tier the client's calls reach;
 4. the cost floor (cost_floor_per_seat_month × the seats the profile takes): the price is
    never lower; when the market is under it the answer is the floor, the gap, and a plain
    "cannot beat the market profitably here";
 5. the price per seat-month, per minute and per call, the margin, the position in the band,
    the competitors undercut; an optional revenue share on the client's sales.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any

import duckdb

from benchmark.config import Costs, Profile
from benchmark.costs import cost_floor_per_seat_month, cost_per_seat_month, profile_seats
from benchmark.market import (
    DEFAULT_MIN_COUNT,
    Band,
    CompetitorPrice,
    PricedMarket,
    PricingScope,
    Segment,
    as_instant,
    band_from_prices,
    priced_costs,
    priced_market,
    rate_card_bands,
)

STRATEGIES = ("match", "beat", "premium")
CENT = Decimal("0.01")
DEFAULT_BEAT_BY_PCT = Decimal(5)
DEFAULT_TIERS = (50, 100, 200, 500, 1000)


class RecommendationError(ValueError):
    """A strategy or competitor the recommendation cannot work with."""


def _money(value: Decimal) -> str:
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def _fmt(value: Decimal, currency: str) -> str:
    return f"{value.quantize(CENT, rounding=ROUND_HALF_UP):,} {currency}"


@dataclass(frozen=True, slots=True)
class Recommendation:
    strategy: str
    currency: str
    price_per_month: Decimal
    price_per_seat_month: Decimal
    price_per_minute: Decimal
    price_per_call: Decimal
    cost_floor_per_seat_month: Decimal
    monthly_floor: Decimal
    monthly_cost: Decimal
    margin: Decimal
    seats: Decimal
    market_target: Decimal | None
    below_floor: bool
    gap: Decimal | None
    percentile: float | None
    cheaper_than_pct: float | None
    undercuts: tuple[str, ...]
    band: Band | None
    segment: Segment | None
    revenue_share_monthly: Decimal | None
    explanation: tuple[str, ...]
    # The prices it was made from (a PricedMarket builds them when first read): the segment's
    # service type and any named to beat, or all that the caller passed in.
    competitors: Sequence[CompetitorPrice] = field(default=(), repr=False)

    def to_json(self) -> dict[str, Any]:
        """The DESIGN.md `--json` keys (money as strings) plus a few extras."""
        band: dict[str, Any] | None = None
        if self.band is not None:
            quantiles = self.band.monthly_cost if self.band.sufficient else None
            band = {
                "p10": _money(quantiles.p10) if quantiles else None,
                "p25": _money(quantiles.p25) if quantiles else None,
                "p50": _money(quantiles.p50) if quantiles else None,
                "p75": _money(quantiles.p75) if quantiles else None,
                "p90": _money(quantiles.p90) if quantiles else None,
                "n_priced": self.band.n_priced,
                "n_quote_only": self.band.n_quote_only,
                "status": self.band.status,
                "measure": "effective monthly cost",
                "segment": self.band.segment.params(),
            }
        return {
            "strategy": self.strategy,
            "currency": self.currency,
            "price_per_month": _money(self.price_per_month),
            "price_per_seat_month": _money(self.price_per_seat_month),
            "price_per_minute": str(self.price_per_minute.quantize(Decimal("0.0001"))),
            "price_per_call": str(self.price_per_call.quantize(Decimal("0.0001"))),
            "cost_floor_per_seat_month": _money(self.cost_floor_per_seat_month),
            "monthly_floor": _money(self.monthly_floor),
            "margin": str(self.margin.quantize(Decimal("0.0001"))),
            "percentile": self.percentile,
            "cheaper_than_pct": self.cheaper_than_pct,
            "band": band,
            "seats": str(self.seats),
            "undercuts": list(self.undercuts),
            "below_floor": self.below_floor,
            "gap": _money(self.gap) if self.gap is not None else None,
            "market_target": _money(self.market_target) if self.market_target is not None else None,
            "revenue_share_monthly": (
                _money(self.revenue_share_monthly) if self.revenue_share_monthly is not None else None
            ),
            "explanation": list(self.explanation),
        }


def choose_band(
    con: duckdb.DuckDBPyConnection,
    prices: Sequence[CompetitorPrice],
    profile: Profile,
    segment: Segment | None,
    as_of: datetime | None,
    min_count: int,
    currency: str,
    known: Band | None = None,
) -> tuple[Band, bool]:
    """The first band with enough competitors, widening from the profile's segment. `known`, a
    band already computed from the same prices, is reused for its segment instead of redone."""
    chain = [segment] if segment is not None else Segment.for_profile(profile).widened()
    band = None
    for candidate in chain:
        if (known is not None and known.segment == candidate and known.min_count == min_count
                and known.currency == currency):
            band = known
        else:
            band = band_from_prices(con, prices, candidate, as_of=as_of, min_count=min_count,
                                    currency=currency)
        if band.sufficient:
            return band, candidate != chain[0]
    assert band is not None
    return band, False


def _target(
    strategy: str,
    band: Band,
    prices: Sequence[CompetitorPrice],
    beat_competitors: tuple[str, ...],
    beat_by_pct: Decimal,
    currency: str,
    steps: list[str],
) -> tuple[Decimal, bool]:
    """The market price the strategy aims at, and whether it names competitors."""
    q = band.monthly_cost
    assert q is not None
    cut = 1 - beat_by_pct / 100
    if strategy == "match":
        steps.append(f"Matching the market: the median (P50) is {_fmt(q.p50, currency)} a month.")
        return q.p50, False
    if strategy == "premium":
        steps.append(
            f"Premium position: the upper quartile (P75) is {_fmt(q.p75, currency)} a month."
        )
        return q.p75, False
    if beat_competitors:
        by_id = {p.competitor_id: p for p in prices}
        named = []
        for cid in beat_competitors:
            price = by_id.get(cid)
            if price is None:
                raise RecommendationError(f"competitor {cid!r} has no observed rate card")
            if price.monthly_cost is None:
                raise RecommendationError(
                    f"competitor {cid!r} cannot be priced for this profile ({price.status})"
                )
            named.append(price)
        lowest = min(named, key=lambda p: p.monthly_cost or Decimal(0))
        assert lowest.monthly_cost is not None
        steps.append(
            f"Beating {', '.join(p.competitor_id for p in named)}: the cheapest of them, "
            f"{lowest.competitor_id}, would bill {_fmt(lowest.monthly_cost, currency)}; "
            f"{beat_by_pct}% under it is {_fmt(lowest.monthly_cost * cut, currency)}."
        )
        return lowest.monthly_cost * cut, True
    steps.append(
        f"Beating the market: {beat_by_pct}% under the lower quartile (P25) of "
        f"{_fmt(q.p25, currency)} is {_fmt(q.p25 * cut, currency)}."
    )
    return q.p25 * cut, False


def _adjust(
    target: Decimal,
    profile: Profile,
    costs: Costs,
    band: Band,
    widened_delivery: bool,
    steps: list[str],
    skills: bool = True,
) -> Decimal:
    adj = costs.adjustments
    if widened_delivery and band.segment.delivery is None:
        factor = adj.delivery_factors.get(profile.delivery, Decimal(1))
        if factor != 1:
            target *= factor
            steps.append(
                f"The band mixes delivery segments, so a {profile.delivery} factor of {factor} "
                "(relative to domestic) is applied."
            )
    wants_skills = profile.complexity == "technical" or len(profile.languages) > 1
    if not skills and wants_skills:
        steps.append("No skill premiums: beating the market means staying under it.")
    if skills and profile.complexity == "technical" and adj.technical_premium:
        target *= 1 + adj.technical_premium
        steps.append(f"Technical calls add a {adj.technical_premium * 100:.0f}% skill premium.")
    if skills and len(profile.languages) > 1 and adj.bilingual_premium:
        target *= 1 + adj.bilingual_premium
        steps.append(
            f"Answering in {len(profile.languages)} languages ({', '.join(profile.languages)}) adds "
            f"a {adj.bilingual_premium * 100:.0f}% bilingual premium."
        )
    reached = [t for t in adj.volume_discounts if profile.calls_per_month >= t.min_calls_per_month]
    if reached:
        tier = reached[-1]
        target *= 1 - tier.discount
        steps.append(
            f"{profile.calls_per_month:,} calls a month reach the {tier.min_calls_per_month:,}-call "
            f"volume tier: {tier.discount * 100:.0f}% discount."
        )
    return target


def recommend(
    con: duckdb.DuckDBPyConnection,
    profile: Profile,
    costs: Costs,
    strategy: str = "match",
    *,
    beat_competitors: tuple[str, ...] | list[str] = (),
    beat_by_pct: Decimal | float | str = DEFAULT_BEAT_BY_PCT,
    segment: Segment | None = None,
    as_of: date | datetime | str | None = None,
    min_count: int = DEFAULT_MIN_COUNT,
    client_sales_per_month: Decimal | None = None,
    prices: Sequence[CompetitorPrice] | None = None,
    band: Band | None = None,
) -> Recommendation:
    """A price for the profile by strategy, in the cost model's currency. `prices` (from
    competitor_prices) and `band` (from profile_band on those prices), when the caller already
    has them for this profile, as_of and currency, are reused rather than recomputed."""
    if strategy not in STRATEGIES:
        raise RecommendationError(f"strategy {strategy!r} is not one of {', '.join(STRATEGIES)}")
    beat_by = Decimal(str(beat_by_pct))
    if not 0 <= beat_by < 100:
        raise RecommendationError(f"beat-by {beat_by_pct!r} must be a percentage in [0, 100)")
    if beat_competitors and strategy != "beat":
        raise RecommendationError("named competitors only go with --strategy beat")
    currency = costs.currency
    instant = as_instant(as_of)
    if prices is None:
        # Only the competitors the band can hold (every segment it may widen to keeps the
        # service type) and those named to beat: on a mixed market, a fraction of the work.
        widest = (segment or Segment.for_profile(profile)).service_type
        scope = PricingScope(widest, tuple(beat_competitors))
        prices = priced_market(con, profile, instant, currency, scope)
    band, widened = choose_band(con, prices, profile, segment, instant, min_count, currency,
                                known=band)

    seats = profile_seats(costs, profile)
    per_seat_cost = cost_per_seat_month(costs)
    floor_per_seat = cost_floor_per_seat_month(costs)
    monthly_cost = per_seat_cost * seats
    floor = floor_per_seat * seats

    steps: list[str] = []
    kind = "shared-operator" if profile.effective_seating == "shared" else "dedicated"
    steps.append(
        f"{profile.name}: {profile.calls_per_month:,} calls a month of "
        f"{profile.average_handle_seconds} s take {seats} {kind} seats at our occupancy."
    )
    target: Decimal | None = None
    if band.sufficient:
        scope = band.segment.label()
        if widened:
            scope += " (widened: too few competitors in the narrower segment)"
        steps.append(
            f"Market: {band.n_priced} competitors priced for this profile in {scope}"
            + (f", {band.n_quote_only} quote-only" if band.n_quote_only else "")
            + "."
        )
        target, named = _target(strategy, band, prices, tuple(beat_competitors), beat_by,
                                currency, steps)
        if not named:
            target = _adjust(target, profile, costs, band, widened, steps,
                             skills=strategy != "beat")
    else:
        steps.append(
            f"Insufficient data: only {band.n_priced} competitors priced in "
            f"{band.segment.label()} (at least {min_count} needed), so no market position."
        )

    below = target is not None and target < floor
    gap = (floor - target) if below and target is not None else None
    if target is None:
        price = floor
        steps.append(f"The price is our cost floor: {_fmt(floor, currency)} a month.")
    elif below:
        assert gap is not None
        price = floor
        steps.append(
            f"The market price {_fmt(target, currency)} is under our cost floor "
            f"{_fmt(floor, currency)} by {_fmt(gap, currency)}: we cannot beat the market "
            "profitably here, so the answer is the floor."
        )
    else:
        price = target
    # Rounding up to the cent keeps the answer on or above the floor.
    price = price.quantize(CENT, rounding=ROUND_CEILING)
    if target is not None and not below:
        steps.append(
            f"{_fmt(price, currency)} a month clears our cost floor of {_fmt(floor, currency)}."
        )
    # Margin is a markup on our cost, like min_margin: at the floor it equals min_margin.
    margin = (price - monthly_cost) / monthly_cost if monthly_cost else Decimal(0)

    percentile = cheaper_than = None
    undercuts: tuple[str, ...] = ()
    if band.n_priced:
        members = priced_costs(band.competitors)
        if members:
            n = len(members)
            below_us = sum(1 for _, cost in members if cost < price)
            undercuts = tuple(sorted(cid for cid, cost in members if cost > price))
            percentile = round(100 * below_us / n, 1)
            cheaper_than = round(100 * len(undercuts) / n, 1)
            steps.append(
                f"At {_fmt(price, currency)} we are cheaper than {cheaper_than:.0f}% of {n} "
                f"providers (percentile {percentile:.0f}); margin {margin * 100:.1f}%."
            )
    revenue = None
    if client_sales_per_month is not None and costs.adjustments.revenue_share:
        revenue = Decimal(client_sales_per_month) * costs.adjustments.revenue_share
        steps.append(
            f"Revenue share: {costs.adjustments.revenue_share * 100:.1f}% of "
            f"{_fmt(Decimal(client_sales_per_month), currency)} of client sales adds "
            f"{_fmt(revenue, currency)} a month on top."
        )
    return Recommendation(
        strategy=strategy,
        currency=currency,
        price_per_month=price,
        price_per_seat_month=(price / seats).quantize(CENT, rounding=ROUND_CEILING),
        price_per_minute=price / profile.talk_minutes,
        price_per_call=price / profile.calls_per_month,
        cost_floor_per_seat_month=floor_per_seat,
        monthly_floor=floor,
        monthly_cost=monthly_cost,
        margin=margin,
        seats=seats,
        market_target=target,
        below_floor=below or target is None,
        gap=gap,
        percentile=percentile,
        cheaper_than_pct=cheaper_than,
        undercuts=undercuts,
        band=band,
        segment=band.segment,
        revenue_share_monthly=revenue,
        explanation=tuple(steps),
        competitors=prices if isinstance(prices, PricedMarket) else tuple(prices),
    )


# ---------------------------------------------------------------------------------------------
# rate-card designer


@dataclass(frozen=True, slots=True)
class RateCardTier:
    quantity: int
    unit: str  # minutes | calls
    price: Decimal
    price_per_unit: Decimal
    market_target: Decimal | None
    floor: Decimal
    n_priced: int
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "quantity": self.quantity,
            "unit": self.unit,
            "price": _money(self.price),
            "price_per_unit": str(self.price_per_unit.quantize(Decimal("0.0001"))),
            "market_target": _money(self.market_target) if self.market_target is not None else None,
            "floor": _money(self.floor),
            "n_priced": self.n_priced,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class RateCard:
    strategy: str
    currency: str
    unit: str
    tiers: tuple[RateCardTier, ...]
    overage_rate: Decimal
    explanation: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "strategy": self.strategy,
            "currency": self.currency,
            "unit": self.unit,
            "tiers": [t.to_json() for t in self.tiers],
            "overage_rate": str(self.overage_rate.quantize(Decimal("0.0001"))),
            "explanation": list(self.explanation),
        }


def design_rate_card(
    con: duckdb.DuckDBPyConnection,
    profile: Profile,
    costs: Costs,
    strategy: str = "match",
    *,
    tiers: tuple[int, ...] | list[int] = DEFAULT_TIERS,
    unit: str = "minutes",
    beat_by_pct: Decimal | float | str = DEFAULT_BEAT_BY_PCT,
    as_of: date | datetime | str | None = None,
    min_count: int = DEFAULT_MIN_COUNT,
) -> RateCard:
    """A ladder of bundles, each priced at the strategy's position against the market at that
    usage, never under the floor; the price per unit falls (never rises) as bundles grow, and a
    bigger bundle never costs less in total. The overage rate is the market's per-unit rate at
    the same position, no lower than the biggest bundle's unit price or the floor's."""
    if strategy not in STRATEGIES:
        raise RecommendationError(f"strategy {strategy!r} is not one of {', '.join(STRATEGIES)}")
    if unit not in ("minutes", "calls"):
        raise RecommendationError(f"unit {unit!r} must be minutes or calls")
    quantities = sorted({int(t) for t in tiers})
    if not quantities or quantities[0] <= 0:
        raise RecommendationError(f"tiers {list(tiers)!r} must be positive quantities")
    currency = costs.currency
    aht = profile.average_handle_seconds
    steps: list[str] = []
    out: list[RateCardTier] = []
    previous: RateCardTier | None = None
    # Exact per-minute floor for a shared-operator client (the same at every tier), so the
    # ladder's rules cannot fight seat rounding; otherwise the floor comes from the seats.
    exact_floor_per_minute = None
    if unit == "minutes" and profile.effective_seating == "shared":
        exact_floor_per_minute = cost_floor_per_seat_month(costs) / (
            costs.paid_hours_per_month * 60 * costs.occupancy)
    for quantity in quantities:
        units = Decimal(quantity)
        calls = max(1, round(units * 60 / aht)) if unit == "minutes" else quantity
        tier_profile = profile.with_calls(int(calls))
        rec = recommend(con, tier_profile, costs, strategy, beat_by_pct=beat_by_pct,
                        as_of=as_of, min_count=min_count)
        # The recommendation is for the tier profile's usage; scale it to exactly `units`.
        scale = units / (tier_profile.talk_minutes if unit == "minutes" else Decimal(calls))
        if exact_floor_per_minute is not None:
            floor = exact_floor_per_minute * units
        else:
            floor = rec.monthly_floor * scale
        target = rec.market_target * scale if rec.market_target is not None else None
        price = max(target, floor) if target is not None else floor
        per_unit = price / units
        note = None
        if previous is not None:
            if per_unit > previous.price_per_unit and previous.price_per_unit * units >= floor:
                per_unit, note = previous.price_per_unit, "capped so the unit price does not rise"
                price = per_unit * units
            if price < previous.price:
                price, note = previous.price, "raised so a bigger bundle never costs less"
                per_unit = price / units
        # Tier prices stay exact (shown to the cent): rounding each one would let the unit
        # price creep up a fraction of a cent from one bundle to the next.
        tier = RateCardTier(
            quantity=quantity, unit=unit, price=price, price_per_unit=per_unit,
            market_target=target, floor=floor,
            n_priced=rec.band.n_priced if rec.band else 0, note=note,
        )
        steps.append(
            f"{quantity} {unit}: market {strategy} target "
            + (_fmt(target, currency) if target is not None else "n/a")
            + f", floor {_fmt(floor, currency)}, price {_fmt(price, currency)}"
            + f" ({tier.price_per_unit.quantize(Decimal('0.0001'))} per {unit[:-1]})."
        )
        out.append(tier)
        previous = tier
    kind = "per_minute" if unit == "minutes" else "per_call"
    last = out[-1]
    floor_unit = last.floor / Decimal(last.quantity)
    overage = max(last.price_per_unit, floor_unit)
    bands = {b.kind: b for b in rate_card_bands(con, Segment.for_profile(profile), as_of, min_count)}
    band = bands.get(kind)
    if band is not None and band.status == "ok" and band.quantiles is not None:
        q = band.quantiles
        position = {"match": q.p50, "premium": q.p75,
                    "beat": q.p25 * (1 - Decimal(str(beat_by_pct)) / 100)}[strategy]
        # Rate-card bands are in USD; convert into the cost model's currency.
        from benchmark.fx import FxTable

        position = FxTable.load(con).convert(position, "USD", currency, as_instant(as_of))
        overage = max(overage, position)
        steps.append(f"Overage: market {kind.replace('_', ' ')} {strategy} rate "
                     f"{position.quantize(Decimal('0.0001'))}, never under the biggest bundle's.")
    else:
        steps.append("Overage: too few published rates; the biggest bundle's unit price is used.")
    return RateCard(strategy, currency, unit, tuple(out), overage.quantize(Decimal("0.0001"),
                    rounding=ROUND_CEILING), tuple(steps))
